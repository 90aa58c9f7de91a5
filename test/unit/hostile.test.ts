/**
 * Hostile and careless input without a server: YAML the way Kubernetes reads it (anchors,
 * aliases, merge keys, alias bombs), input limits, odd files (FIFOs, symbolic links, unreadable
 * directories), secrets kept out of messages, control characters escaped in every text output.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeControl, JkError, type ErrorCode } from '../../src/errors.js';
import { LIMITS, loadManifests, parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { openConnection, splitUrlAuth } from '../../src/nats/admin.js';
import { readContext } from '../../src/nats/context.js';
import { overlaySettings } from '../../src/nats/overlay.js';
import { describeSettings, redactSecrets, redactUrl } from '../../src/nats/settings.js';
import { renderPlanText } from '../../src/plan/render.js';
import type { Plan } from '../../src/plan/plan.js';
import { secretShape } from '../../src/resources/account/map.js';

const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-hostile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const noStdin = async (): Promise<string> => '';

function file(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

function errorOf(fn: () => unknown): JkError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof JkError, `expected a JkError, got ${String((e as Error)?.stack ?? e)}`);
    return e;
  }
  assert.fail('expected a JkError');
}

async function asyncErrorOf(fn: () => Promise<unknown>): Promise<JkError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof JkError, `expected a JkError, got ${String((e as Error)?.stack ?? e)}`);
    return e;
  }
  assert.fail('expected a JkError');
}

function expectCode(e: JkError, code: ErrorCode, line?: number): void {
  assert.equal(e.code, code, e.format());
  if (line !== undefined) assert.equal(e.at?.line, line, e.format());
}

const stream = (spec: string[]) => [
  'apiVersion: jetstream.nats.io/v1beta2', // 1
  'kind: Stream', // 2
  'metadata:', // 3
  '  name: orders', // 4
  'spec:', // 5
  '  name: ORDERS', // 6
  '  subjects: ["orders.>"]', // 7
  ...spec.map((l) => `  ${l}`), // 8...
  '',
].join('\n');

describe('YAML anchors, aliases and merge keys (as kubectl reads them)', () => {
  test('an alias takes the value of its anchor', () => {
    const r = validateDocuments(parseManifests(stream(['maxAge: &age 1h', 'duplicateWindow: *age']), 'a.yaml'));
    assert.deepEqual(r.errors, []);
    const spec = r.resources[0].doc?.data.spec as Record<string, unknown>;
    assert.equal(spec.maxAge, '1h');
    assert.equal(spec.duplicateWindow, '1h');
  });

  test('an error in an aliased value points at the anchor and at the alias', () => {
    const r = validateDocuments(parseManifests(stream(['maxAge: &age 1x', 'duplicateWindow: *age']), 'a.yaml'));
    const at = r.errors.map((e) => [e.code, e.field, e.at?.line, e.at?.col]);
    assert.deepEqual(at, [['JK1007', 'spec.maxAge', 8, 16], ['JK1007', 'spec.duplicateWindow', 9, 20]]);
  });

  test('merge keys: explicit keys win, the first merged mapping wins, positions point into the anchor', () => {
    const text = [
      'apiVersion: v1', 'kind: List', // 1-2
      'base: &base {storage: file, maxAge: 1h, replicas: 1}', // 3
      'more: &more {maxAge: 9h, description: shared, maxAg: 1h}', // 4
      'items:', // 5
      '- apiVersion: jetstream.nats.io/v1beta2', // 6
      '  kind: Stream', // 7
      '  metadata: {name: a}', // 8
      '  spec:', // 9
      '    <<: [*base, *more]', // 10
      '    name: A', // 11
      '    replicas: 3', // 12
      '    subjects: [a.>]', // 13
      '',
    ].join('\n');
    const docs = parseManifests(text, 'm.yaml');
    assert.deepEqual(docs[0].data.spec, { name: 'A', replicas: 3, subjects: ['a.>'], storage: 'file', maxAge: '1h', description: 'shared', maxAg: '1h' });
    const r = validateDocuments(docs);
    assert.deepEqual(r.errors.map((e) => [e.code, e.field, e.at?.line, e.at?.col]), [['JK1004', 'spec.maxAg', 4, 47]]);
  });

  test('a __proto__ key is plain data, not a prototype', () => {
    const [d] = parseManifests('a: &a {__proto__: {polluted: 1}}\nb: *a\n', 'p.yaml');
    for (const v of [d.data.a, d.data.b] as Record<string, unknown>[]) {
      assert.equal(Object.getPrototypeOf(v), Object.prototype);
      assert.deepEqual(Object.keys(v), ['__proto__']);
      assert.equal((v as { polluted?: unknown }).polluted, undefined);
    }
  });

  test('plain scalars resolve as Kubernetes (YAML 1.1) resolves them; quoted and !!str ones stay text', () => {
    const [d] = parseManifests('a: yes\nb: off\nc: N\nd: "on"\ne: !!str no\nf: 0777\ng: 1_000\nh: 0x1F\ni: 08\nj: 0\nk: "0777"\n', 'b.yaml');
    assert.deepEqual(d.data, { a: true, b: false, c: false, d: 'on', e: 'no', f: 511, g: 1000, h: 31, i: 8, j: 0, k: '0777' });
    const r = validateDocuments(parseManifests(stream(['denyDelete: yes', 'maxMsgs: 0100']), 'b.yaml'));
    assert.deepEqual(r.errors, []);
    const spec = r.resources[0].doc?.data.spec as Record<string, unknown>;
    assert.deepEqual([spec.denyDelete, spec.maxMsgs], [true, 64]);
  });

  test('a quoted "<<" is an ordinary key', () => {
    const [d] = parseManifests('a: &a {x: 1}\nb: {"<<": *a}\n', 'q.yaml');
    assert.deepEqual(d.data.b, { '<<': { x: 1 } });
  });

  test('a merge key that is not a mapping is a located JK1002', () => {
    expectCode(errorOf(() => parseManifests('a: &a 1\nb:\n  <<: *a\n', 'm.yaml')), 'JK1002', 3);
  });

  test('every alias is its own copy', () => {
    const [d] = parseManifests('a: &a {x: [1]}\nb: *a\n', 'c.yaml');
    (d.data.b as { x: number[] }).x.push(2);
    assert.deepEqual(d.data.a, { x: [1] });
  });

  test('an undefined alias is a located JK1002 (also one defined in another document)', () => {
    const e = errorOf(() => parseManifests(stream(['maxAge: *nope']), 'u.yaml'));
    expectCode(e, 'JK1002', 8);
    assert.match(e.message, /undefined alias \*nope/);
    expectCode(errorOf(() => parseManifests('a: &x 1\n---\nb: *x\n', 'u.yaml')), 'JK1002', 3);
  });

  test('300 aliases of one anchor are ordinary use', () => {
    const lines = ['description: &d hello', 'metadata:', ...Array.from({ length: 300 }, (_, i) => `  k${i}: *d`)];
    const r = validateDocuments(parseManifests(stream(lines), 'many.yaml'));
    assert.deepEqual(r.errors, []);
  });

  test('an alias bomb is refused with JK1101 at the alias that crosses the limit', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const t0 = Date.now();
    const e = errorOf(() => parseManifests(lines.join('\n') + '\n', 'bomb.yaml'));
    expectCode(e, 'JK1101');
    assert.ok(e.at && e.at.line >= 5, e.format());
    assert.ok(Date.now() - t0 < 20_000);
  });
});

describe('input limits', () => {
  test(`more than ${LIMITS.documents} documents in one run is JK1103 (and no stack overflow)`, () => {
    const text = '---\nkind: X\n'.repeat(LIMITS.documents + 1);
    const e = errorOf(() => parseManifests(text, 'tiny.yaml'));
    expectCode(e, 'JK1103', LIMITS.documents * 2 + 2);
  });

  test('the document limit counts over all files of a run', async () => {
    const a = file('docs/a.yaml', '---\nkind: X\n'.repeat(3));
    const b = file('docs/b.yaml', '---\nkind: X\n'.repeat(3));
    const e = await asyncErrorOf(() => loadManifests([a, b], noStdin, { limits: { documents: 5 } }));
    expectCode(e, 'JK1103');
    assert.equal(e.at?.file, b);
    assert.equal(e.message, 'more than 5 documents in one run');
  });

  test(`a file over ${LIMITS.fileBytes} bytes is JK1102 and is not read`, async () => {
    const big = file('big.yaml', '');
    truncateSync(big, LIMITS.fileBytes + 1);
    const t0 = Date.now();
    const e = await asyncErrorOf(() => loadManifests([big], noStdin));
    expectCode(e, 'JK1102', 1);
    assert.ok(Date.now() - t0 < 5_000);
    expectCode(await asyncErrorOf(() => loadManifests(['-'], async () => 'a: 1\n'.repeat(10), { limits: { fileBytes: 20 } })), 'JK1102');
  });

  test(`a document of more than ${LIMITS.documentBytes} characters is JK1102 at its first line, before it is parsed`, () => {
    const big = `kind: Big\nspec:\n${'  k: v\n'.repeat(LIMITS.documentBytes / 6)}`;
    const e = errorOf(() => parseManifests(`kind: Small\n---\n${big}---\nkind: After\n`, 'big.yaml'));
    expectCode(e, 'JK1102', 2);
    const small = `---\nkind: X\nmetadata: {name: ${'x'.repeat(100)}}\n`;
    assert.equal(parseManifests(small.repeat(10_000), 'many.yaml').length, 10_000); // a file over the limit, each document under it
  });

  test(`a list of more than ${LIMITS.listItems} items is a located JK1104`, () => {
    const subjects = Array.from({ length: LIMITS.listItems + 1 }, (_, i) => `    - s.${i}`);
    const text = stream([]).replace('  subjects: ["orders.>"]\n', `  subjects:\n${subjects.join('\n')}\n`);
    expectCode(errorOf(() => parseManifests(text, 's.yaml')), 'JK1104', 8);
  });

  test(`nesting deeper than ${LIMITS.depth} is a located JK1104`, () => {
    const n = LIMITS.depth + 5;
    expectCode(errorOf(() => parseManifests(`a: ${'['.repeat(n)}${']'.repeat(n)}\n`, 'deep.yaml')), 'JK1104', 1);
  });
});

describe('files that are not plain files', () => {
  test('a FIFO is refused with JK1105 instead of blocking', async () => {
    const fifo = join(dir, 'fifo.yaml');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    expectCode(await asyncErrorOf(() => loadManifests([fifo], noStdin)), 'JK1105');
    const inDir = join(dir, 'withfifo');
    mkdirSync(inDir);
    assert.equal(spawnSync('mkfifo', [join(inDir, 'x.yaml')]).status, 0);
    expectCode(await asyncErrorOf(() => loadManifests([inDir], noStdin)), 'JK1105');
  });

  test('a symbolic link to itself says it loops; a dangling one names its target', async () => {
    const self = join(dir, 'self.yaml');
    symlinkSync(self, self);
    const e = await asyncErrorOf(() => loadManifests([self], noStdin));
    expectCode(e, 'JK1001');
    assert.match(e.message, /symbolic link that loops/);
    const dangling = join(dir, 'dangling.yaml');
    symlinkSync(join(dir, 'gone.yaml'), dangling);
    assert.match((await asyncErrorOf(() => loadManifests([dangling], noStdin))).message, /is a symbolic link to .*gone\.yaml, which does not exist/);
  });

  test('symbolic links to directories are followed, each directory once', async () => {
    const shared = join(dir, 'shared');
    file('shared/s.yaml', 'kind: Shared\n');
    const root = join(dir, 'tree');
    file('tree/a.yaml', 'kind: A\n');
    symlinkSync(shared, join(root, 'linked'));
    symlinkSync(shared, join(root, 'named-like-a-file.yaml')); // was EISDIR
    symlinkSync(root, join(root, 'loop')); // a link back to the tree itself
    const viaLink = join(dir, 'tree-link');
    symlinkSync(root, viaLink);
    for (const input of [root, viaLink]) {
      const docs = await loadManifests([input], noStdin);
      assert.deepEqual(docs.map((d) => d.data.kind), ['A', 'Shared']);
    }
  });

  test('an unreadable directory is JK1001 naming it (run as an unprivileged user: root reads everything)', (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to switch to nobody');
    const locked = join(dir, 'locked');
    mkdirSync(join(locked, 'inner'), { recursive: true });
    chmodSync(join(locked, 'inner'), 0o000);
    chmodSync(dir, 0o755);
    const loader = fileURLToPath(new URL('../../src/manifests/load.js', import.meta.url));
    const script = `import(${JSON.stringify(loader)}).then((m) => m.loadManifests([${JSON.stringify(locked)}], async () => '')).then(() => console.log('no error'), (e) => console.log(e.code, e.message))`;
    const r = spawnSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.match(r.stdout, /^JK1001 directory .*inner cannot be read: permission denied/, r.stderr);
  });
});

describe('no secret in any message', () => {
  const SEED = 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU';
  const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJYIn0.c2lnbmF0dXJl';

  test('user info is hidden in every URL form: no scheme, / : @ and spaces in the password', () => {
    const cases: [string, string][] = [
      ['alice:secret@127.0.0.1:4222', 'alice:***@127.0.0.1:4222'],
      ['nats://bob:s3cr/et@127.0.0.1:4222', 'nats://bob:***@127.0.0.1:4222'],
      ['nats://tok/en@127.0.0.1:4222', 'nats://***@127.0.0.1:4222'],
      ['tls://c:p@ss:w/rd@h:4222', 'tls://c:***@h:4222'],
      ['nats://[bad:pw@x', 'nats://[bad:***@x'],
      ['bob:pa ss@h', 'bob:***@h'],
    ];
    for (const [url, shown] of cases) assert.equal(redactUrl(url), shown);
  });

  test('the user info of every URL form is taken out before connecting', () => {
    assert.deepEqual(splitUrlAuth(['alice:secret@127.0.0.1:4222']), { servers: ['127.0.0.1:4222'], user: 'alice', pass: 'secret' });
    assert.deepEqual(splitUrlAuth(['nats://bob:s3cr/et@h:1']), { servers: ['nats://h:1'], user: 'bob', pass: 's3cr/et' });
    assert.deepEqual(splitUrlAuth(['nats://tok/en@h:1']), { servers: ['nats://h:1'], token: 'tok/en' });
  });

  test('a library message that echoes an unparsable URL is redacted', () => {
    const s = { servers: ['nats://bob:s3cr/et@127.0.0.1:4222'] };
    for (const text of ['Invalid URL: nats://bob:s3cr/et@127.0.0.1:4222', 'failed s3cr/et', 'bad s3cr%2Fet'.replace('%2F', '/')]) {
      assert.doesNotMatch(redactSecrets(text, s), /s3cr/);
    }
    assert.doesNotMatch(describeSettings({ servers: ['alice:secret@h:1'] }), /secret/);
  });

  test('NKey seeds, JWTs and pasted file contents are recognised; paths are not', () => {
    assert.equal(secretShape(SEED), 'nkey seed');
    assert.equal(secretShape(JWT), 'JWT');
    assert.equal(secretShape('-----BEGIN NATS USER JWT-----\nxyz'), 'file contents');
    for (const path of ['/etc/nats/user.creds', 'user.nk', './seed', 'SUAM.nk', 'secrets/token']) assert.equal(secretShape(path, true), undefined, path);
    assert.equal(secretShape('s3cr3t-t0ken-value', true), 'token');
    assert.equal(secretShape('s3cr3t-t0ken-value'), undefined);
  });

  const shownText = (e: JkError) => `${e.format()}\n${JSON.stringify(e.toJSON())}`;

  test('an Account nkey seed, token or creds JWT given inline is JK1106 and not shown', async () => {
    const layers = [
      { origin: 'Account/pay', nkey: SEED },
      { origin: 'Account/pay', creds: JWT },
      { origin: 'Account/pay', token: 's3cr3t-t0ken-value' },
      { origin: 'Account/pay', user: { user: file('user.txt', 'alice'), password: 'hunter2hunter2' } },
    ];
    for (const layer of layers) {
      const e = await asyncErrorOf(() => overlaySettings({ servers: ['nats://h:1'] }, layer));
      expectCode(e, 'JK1106');
      assert.match(e.message, /looks like a secret/);
      for (const secret of [SEED, JWT, 's3cr3t-t0ken-value', 'hunter2hunter2']) assert.ok(!shownText(e).includes(secret), shownText(e));
    }
  });

  test('a nats context that is not valid JSON is JK2004 without the text around the error', async () => {
    const ctx = file('ctx.json', '{"url": "nats://127.0.0.1:4222", "password": hunter2-secret}');
    const e = await asyncErrorOf(() => readContext(ctx, dir));
    expectCode(e, 'JK2004');
    assert.match(e.message, /not valid JSON/);
    assert.doesNotMatch(shownText(e), /hunter2/);
  });

  test('a connection timeout a timer cannot hold is JK2004, not a timeout that fires at once', async () => {
    for (const timeoutMs of [2 ** 31, 0, -1, 1.5, Number.NaN]) {
      expectCode(await asyncErrorOf(() => openConnection({ servers: ['nats://127.0.0.1:1'], timeoutMs })), 'JK2004');
    }
  });

  test('an nkey seed given as the nkey file of the connection is JK1106 and not shown', async () => {
    const e = await asyncErrorOf(() => openConnection({ servers: ['nats://127.0.0.1:1'], nkey: SEED, timeoutMs: 500 }));
    expectCode(e, 'JK1106');
    assert.ok(!shownText(e).includes(SEED));
  });
});

describe('control characters are escaped in text output', () => {
  test('escapeControl shows ESC, BEL, C1 and bidirectional overrides as escapes', () => {
    assert.equal(escapeControl('\x1b[2J\x1b[31m'), '\\e[2J\\e[31m');
    assert.equal(escapeControl('\x1b]0;pwned\x07'), '\\e]0;pwned\\x07');
    assert.equal(escapeControl('a\u202eb\x9bc\r'), 'a\\u202eb\\x9bc\\r');
    assert.equal(escapeControl('plain ünïcode ✓'), 'plain ünïcode ✓');
  });

  test('validate errors escape a key and a value from the manifest', () => {
    const r = validateDocuments(parseManifests(stream(['"\\e[2J\\e[31m": 1']), 'c.yaml'));
    const text = r.errors.map((e) => e.format()).join('\n');
    assert.match(text, /unknown field/);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f]/);
    const multi = new JkError('JK4003', { message: 'server died; log:\nline 1\x1b[2J\nerror: fake', fix: 'x\x07' }).format();
    assert.equal(multi, 'JK4003 server died; log:\n    line 1\\e[2J\n    error: fake\n  fix: x\\x07');
  });

  test('the plan text escapes keys, reasons and field values', () => {
    const p = {
      serverVersion: '2.15.2',
      owner: 'default',
      changes: [{
        action: 'update', kind: 'Stream', key: 'Stream/\x1b[2JX', target: { type: 'stream', stream: 'X' }, reason: 'r\x1b[31m',
        fields: [{ field: 'spec.description', apiField: 'description', from: 'old', to: '\x1b]0;pwned\x07' }],
      }],
    } as unknown as Plan;
    const text = renderPlanText(p);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f\x7f]/);
    assert.match(text, /\\e\]0;pwned\\x07/);
  });
});
