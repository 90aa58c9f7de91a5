/**
 * Connection settings without a server: redaction for display, NACK's layering of connection
 * settings (auth all or nothing, servers only when set, cert+key only as a pair, Secrets only in
 * Kubernetes), nats contexts, and user info in server URLs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupByConnection } from '../../src/reconcile/connections.js';
import { JkError } from '../../src/errors.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { parseManifests } from '../../src/manifests/load.js';
import { splitUrlAuth } from '../../src/nats/admin.js';
import { contextToSettings } from '../../src/nats/context.js';
import { overlaySettings, settingsKey, type ConnectionLayer } from '../../src/nats/overlay.js';
import { describeSettings, redactSecrets, redactUrl, type ConnectionSettings } from '../../src/nats/settings.js';

const PASSWORD = 's3cr3t-pw';
const TOKEN = 't0ken-xyz';

const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
}

/** Everything a JkError can show a person: the text line, the fix and the JSON form. */
function shown(e: unknown): string {
  assert.ok(e instanceof JkError, `expected a JkError, got ${String(e)}`);
  return `${e.format()}\n${JSON.stringify(e.toJSON())}`;
}

describe('redactUrl', () => {
  it('hides the password and keeps the user', () => {
    assert.equal(redactUrl(`nats://alice:${PASSWORD}@127.0.0.1:4222`), 'nats://alice:***@127.0.0.1:4222');
    assert.equal(redactUrl(`tls://alice:${PASSWORD}@nats.example.com:4222`), 'tls://alice:***@nats.example.com:4222');
  });

  it('hides a token given as the user part', () => {
    assert.equal(redactUrl(`nats://${TOKEN}@127.0.0.1:4222`), 'nats://***@127.0.0.1:4222');
  });

  it('leaves URLs without user info alone', () => {
    for (const u of ['nats://127.0.0.1:4222', 'tls://[::1]:4222', '127.0.0.1:4222', 'nats://host:4222/']) assert.equal(redactUrl(u), u);
  });

  it('hides all of a password that holds an @ or a percent escape', () => {
    assert.equal(redactUrl('nats://alice:pa@ssword@127.0.0.1:4222'), 'nats://alice:***@127.0.0.1:4222');
    assert.equal(redactUrl('nats://alice:pa%40ss%3Aword@h:4222'), 'nats://alice:***@h:4222');
    assert.equal(redactUrl('nats://alice:pa:ss@h:4222'), 'nats://alice:***@h:4222');
  });
});

describe('redactSecrets', () => {
  const s: ConnectionSettings = { servers: ['nats://127.0.0.1:4222'], user: 'alice', password: PASSWORD };

  it('returns the text unchanged without settings', () => {
    assert.equal(redactSecrets(`x ${PASSWORD}`, undefined), `x ${PASSWORD}`);
  });

  it('replaces every occurrence of the password and the token', () => {
    assert.equal(redactSecrets(`bad password ${PASSWORD} (${PASSWORD})`, s), 'bad password *** (***)');
    assert.equal(redactSecrets(`token ${TOKEN} refused`, { servers: [], token: TOKEN }), 'token *** refused');
  });

  it('redacts user info of every URL in the text, also secrets it was not told about', () => {
    const text = 'tried nats://bob:hunter2@h1:4222, nats://t0k@h2:4222 and tls://carol:pa@ss@h3:4222/x';
    const out = redactSecrets(text, s);
    assert.equal(out, 'tried nats://bob:***@h1:4222, nats://***@h2:4222 and tls://carol:***@h3:4222/x');
    for (const secret of ['hunter2', 't0k@', 'pa@ss', 'ss@h3']) assert.ok(!out.includes(secret), secret);
  });

  it('leaves addresses and plain text alone', () => {
    assert.equal(redactSecrets('mail alice@example.com about nats://h:4222', s), 'mail alice@example.com about nats://h:4222');
  });
});

describe('describeSettings', () => {
  const base: ConnectionSettings = { servers: [`nats://alice:${PASSWORD}@h1:4222`, 'nats://h2:4222'], origin: '--server' };

  it('shows the redacted URLs and where the settings came from', () => {
    assert.equal(describeSettings(base), 'nats://alice:***@h1:4222,nats://h2:4222 (from --server)');
    assert.equal(describeSettings({ servers: ['nats://h:4222'] }), 'nats://h:4222');
  });

  it('names the auth method: creds and nkey by path, token and password as ***', () => {
    const s = { servers: ['nats://h:4222'] };
    assert.equal(describeSettings({ ...s, creds: '/k/a.creds' }), 'nats://h:4222 creds=/k/a.creds');
    assert.equal(describeSettings({ ...s, nkey: '/k/u.nk' }), 'nats://h:4222 nkey=/k/u.nk');
    assert.equal(describeSettings({ ...s, token: TOKEN }), 'nats://h:4222 token=***');
    assert.equal(describeSettings({ ...s, user: 'alice', password: PASSWORD }), 'nats://h:4222 user=alice password=***');
    assert.equal(describeSettings({ ...s, tls: { ca: '/k/ca.pem' } }), 'nats://h:4222 tls');
    assert.equal(describeSettings({ ...s, tls: { cert: '/k/c.pem', key: '/k/k.pem' }, nkey: '/k/u.nk', origin: 'context x' }), 'nats://h:4222 nkey=/k/u.nk tls (from context x)');
  });

  it('never shows a password or a token, whatever is set', () => {
    const all: ConnectionSettings = { servers: [`nats://${TOKEN}@h:1`, `nats://bob:${PASSWORD}@h:2`], user: 'alice', password: PASSWORD, token: TOKEN, origin: 'x' };
    const out = describeSettings(all);
    assert.ok(!out.includes(PASSWORD) && !out.includes(TOKEN), out);
  });
});

describe('overlaySettings (NACK layering)', () => {
  const base: ConnectionSettings = {
    servers: ['nats://base:4222'], user: 'alice', password: PASSWORD, jsDomain: 'hub',
    tls: { ca: '/base/ca.pem', cert: '/base/cert.pem', key: '/base/key.pem' }, origin: '--server',
  };

  it('a layer with creds replaces user and password: exactly one auth method is left', async () => {
    const out = await overlaySettings(base, { origin: 'Account/a', creds: '/acc/a.creds' });
    assert.equal(out.creds, '/acc/a.creds');
    for (const k of ['user', 'password', 'token', 'nkey'] as const) assert.equal(k in out, false, k);
    assert.equal(out.origin, '--server + Account/a');
    assert.equal(base.password, PASSWORD, 'the base is not changed');
  });

  it('the first method wins within a layer: creds > nkey > token > user', async () => {
    const tokenFile = file('token', `${TOKEN}\n`);
    const layer: ConnectionLayer = { origin: 'L', creds: '/c.creds', nkey: '/u.nk', token: tokenFile };
    assert.deepEqual([(await overlaySettings(base, layer)).creds, (await overlaySettings(base, layer)).nkey], ['/c.creds', undefined]);
    const nk = await overlaySettings(base, { origin: 'L', nkey: '/u.nk', token: tokenFile });
    assert.deepEqual([nk.nkey, nk.token, nk.user], ['/u.nk', undefined, undefined]);
  });

  it('token and user/password come from files (trimmed) and replace earlier auth', async () => {
    const withCreds: ConnectionSettings = { servers: ['nats://h:4222'], creds: '/base.creds' };
    const t = await overlaySettings(withCreds, { origin: 'Stream/s', token: file('tok', `  ${TOKEN}\n`) });
    assert.deepEqual([t.token, t.creds], [TOKEN, undefined]);
    const u = await overlaySettings(withCreds, { origin: 'Stream/s', user: { user: file('user', 'bob\n'), password: file('pw', `${PASSWORD}\n`) } });
    assert.deepEqual([u.user, u.password, u.creds], ['bob', PASSWORD, undefined]);
  });

  it('a layer without auth keeps the earlier auth', async () => {
    const out = await overlaySettings(base, { origin: 'Stream/s', jsDomain: 'leaf' });
    assert.deepEqual([out.user, out.password, out.jsDomain], ['alice', PASSWORD, 'leaf']);
  });

  it('servers are replaced only when the layer sets some', async () => {
    assert.deepEqual((await overlaySettings(base, { origin: 'L' })).servers, ['nats://base:4222']);
    assert.deepEqual((await overlaySettings(base, { origin: 'L', servers: [] })).servers, ['nats://base:4222']);
    const layerServers = ['nats://a:4222', 'nats://b:4222'];
    const out = await overlaySettings(base, { origin: 'L', servers: layerServers });
    assert.deepEqual(out.servers, layerServers);
    assert.notEqual(out.servers, layerServers, 'a copy, not the layer array');
    assert.equal((await overlaySettings(base, { origin: 'L' })).jsDomain, 'hub');
  });

  it('the client cert and key are replaced only as a pair; the CA on its own', async () => {
    const certOnly = await overlaySettings(base, { origin: 'L', tls: { cert: '/l/cert.pem' } });
    assert.deepEqual(certOnly.tls, base.tls);
    const keyOnly = await overlaySettings(base, { origin: 'L', tls: { key: '/l/key.pem' } });
    assert.deepEqual(keyOnly.tls, base.tls);
    const pair = await overlaySettings(base, { origin: 'L', tls: { cert: '/l/cert.pem', key: '/l/key.pem' } });
    assert.deepEqual(pair.tls, { ca: '/base/ca.pem', cert: '/l/cert.pem', key: '/l/key.pem' });
    const ca = await overlaySettings(base, { origin: 'L', tls: { ca: '/l/ca.pem', first: true } });
    assert.deepEqual(ca.tls, { ca: '/l/ca.pem', cert: '/base/cert.pem', key: '/base/key.pem', first: true });
    assert.deepEqual(base.tls, { ca: '/base/ca.pem', cert: '/base/cert.pem', key: '/base/key.pem' }, 'the base is not changed');
  });

  it('a Kubernetes Secret reference outside Kubernetes is JK2004 naming the Secret, never a secret value', async () => {
    const secret = { secretName: 'nack-a-creds', key: 'a.creds' };
    const layers: ConnectionLayer[] = [
      { origin: 'Account/a', creds: secret },
      { origin: 'Account/a', nkey: secret },
      { origin: 'Account/a', token: secret },
      { origin: 'Account/a', user: { user: file('u2', 'bob'), password: secret } },
      { origin: 'Account/a', tls: { ca: secret } },
      { origin: 'Account/a', tls: { cert: secret, key: '/k.pem' } },
    ];
    const tokenBase: ConnectionSettings = { ...base, token: TOKEN };
    for (const layer of layers) {
      const err = await overlaySettings(tokenBase, layer).then(() => undefined, (e: unknown) => e);
      const text = shown(err);
      assert.equal((err as JkError).code, 'JK2004');
      assert.equal((err as JkError).resource, 'Account/a');
      assert.match(text, /Kubernetes Secret "nack-a-creds" \(key a\.creds\)/);
      assert.match(text, /fix: outside Kubernetes, give a file path/);
      assert.ok(!text.includes(PASSWORD) && !text.includes(TOKEN), text);
    }
  });

  it('an unreadable token or password file is JK2004 with its path, not its neighbour\'s contents', async () => {
    const userFile = file('u3', 'alice-the-user');
    const missing = join(dir, 'no-such-password');
    const err = await overlaySettings({ ...base, token: TOKEN }, { origin: 'Stream/s', user: { user: userFile, password: missing } }).then(() => undefined, (e: unknown) => e);
    const text = shown(err);
    assert.equal((err as JkError).code, 'JK2004');
    assert.match(text, new RegExp(`cannot read the password file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    assert.ok(!text.includes(PASSWORD) && !text.includes(TOKEN), text);
  });

  it('settingsKey separates different credentials (no shared connection across them)', () => {
    assert.notEqual(settingsKey(base), settingsKey({ ...base, password: 'other' }));
    assert.equal(settingsKey(base), settingsKey({ ...base, origin: 'elsewhere' }));
  });
});

describe('nats contexts', () => {
  it('maps a context file onto settings; empty strings are unset; TLS only when given', () => {
    const s = contextToSettings({ url: 'nats://a:4222, nats://b:4222', user: 'alice', password: PASSWORD, token: '', creds: '', jetstream_domain: 'hub' }, 'context x');
    assert.deepEqual(s, { servers: ['nats://a:4222', 'nats://b:4222'], user: 'alice', password: PASSWORD, token: undefined, creds: undefined, nkey: undefined, tls: undefined, jsDomain: 'hub', origin: 'context x' });
    assert.deepEqual(contextToSettings({ ca: '/ca.pem', tls_first: true }, 'c').tls, { ca: '/ca.pem', cert: undefined, key: undefined, first: true });
    assert.deepEqual(contextToSettings({}, 'c').servers, ['nats://127.0.0.1:4222']);
  });
});

describe('user info in server URLs (splitUrlAuth)', () => {
  it('takes user and password out of the URLs, as the Go client would use them', () => {
    assert.deepEqual(splitUrlAuth([`nats://alice:${PASSWORD}@127.0.0.1:4222`, 'nats://127.0.0.1:4223']), {
      servers: ['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223'], user: 'alice', pass: PASSWORD,
    });
  });

  it('a user part without a password is a token', () => {
    assert.deepEqual(splitUrlAuth([`tls://${TOKEN}@h:4222`]), { servers: ['tls://h:4222'], token: TOKEN });
  });

  it('decodes percent escapes, splits at the last @, and the first URL with user info wins', () => {
    assert.deepEqual(splitUrlAuth(['nats://al%20ice:p%40ss@h1:4222', 'nats://bob:pa@ss@h2:4222', 'h3:4222']), {
      servers: ['nats://h1:4222', 'nats://h2:4222', 'h3:4222'], user: 'al ice', pass: 'p@ss',
    });
    assert.deepEqual(splitUrlAuth(['bob:1234@h:4222']), { servers: ['h:4222'], user: 'bob', pass: '1234' });
  });

  it('leaves URLs without user info as they are', () => {
    assert.deepEqual(splitUrlAuth(['nats://h:4222', '[::1]:4222']), { servers: ['nats://h:4222', '[::1]:4222'] });
  });
});

describe('groupByConnection (one connection per distinct target)', () => {
  const base: ConnectionSettings = { servers: ['nats://base:4222'], origin: '--server' };
  const resources = (tokenFile: string) => {
    const docs = [
      `apiVersion: jetstream.nats.io/v1beta2\nkind: Account\nmetadata: { name: edge }\nspec: { servers: [nats://edge:4222], token: { token: ${tokenFile} } }`,
      ...['A', 'B', 'C'].map((n) => `apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: ${n.toLowerCase()} }\nspec: { name: ${n}, account: edge }`),
      'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: own }\nspec: { name: OWN, account: edge, servers: [nats://own:4222] }',
      'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: plain }\nspec: { name: PLAIN }',
    ];
    const v = validateDocuments(parseManifests(docs.join('\n---\n'), 'm.yaml'));
    assert.deepEqual(v.errors, []);
    return v.resources;
  };

  it('resources naming the same Account share its settings; their own fields and no Account make other groups', async () => {
    const groups = await groupByConnection(resources(file('edge-token', `${TOKEN}\n`)), base);
    assert.deepEqual(groups.map((g) => [g.settings.servers, g.settings.token, g.settings.origin, g.resources.map((r) => r.name)]), [
      [['nats://edge:4222'], TOKEN, '--server + Account/edge', ['a', 'b', 'c']],
      [['nats://own:4222'], TOKEN, '--server + Account/edge + Stream/own', ['own']],
      [['nats://base:4222'], undefined, '--server', ['plain']],
    ]);
  });

  it('an Account whose token file cannot be read is JK2004 naming the Account', async () => {
    await assert.rejects(groupByConnection(resources(join(dir, 'missing-token')), base), (e) => {
      assert.ok(e instanceof JkError);
      assert.deepEqual([e.code, e.resource], ['JK2004', 'Account/edge']);
      return true;
    });
  });
});
