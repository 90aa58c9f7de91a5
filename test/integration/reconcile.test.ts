/**
 * The reconcile core against a real nats-server: one outcome per change (a refused or failing
 * resource never stops the others, only its consumers wait), all-or-nothing refusals before any
 * write, reads of only the named targets, and the mass-delete guard as a user meets it on the
 * command line (empty input, skipped documents, too many deletes). Assertions read the server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type Resource } from '../../src/manifests/validate.js';
import { reconcile, type ReconcileInput } from '../../src/reconcile/reconcile.js';
import { compareVersions } from '../../src/resources/kind.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');
const seedFile = join(root, 'test', 'fixtures', 'order-pipeline.yaml');  // R3: written out with replicas 1 for the one-server cluster
const API = 'jetstream.nats.io/v1beta2';

const stream = (name: string, subjects: string[], extra = '') =>
  `apiVersion: ${API}\nkind: Stream\nmetadata: {name: ${name.toLowerCase().replace(/_/g, '-')}}\nspec: {name: ${name}, subjects: [${subjects.join(', ')}], storage: file${extra}}\n---\n`;
const consumer = (streamName: string, durable: string) =>
  `apiVersion: ${API}\nkind: Consumer\nmetadata: {name: ${durable}}\nspec: {streamName: ${streamName}, durableName: ${durable}, ackPolicy: explicit}\n---\n`;

function resourcesFrom(text: string): Resource[] {
  const r = validateDocuments(parseManifests(text, 'inline.yaml'));
  assert.deepEqual(r.errors.map((e) => e.format()), []);
  return r.resources;
}

interface Run { code: number; stdout: string; stderr: string }

function jk(args: string[], input?: string): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NATS_URL: '' }, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('reconcile core against a real server', () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let version: string;
  const names = async () => (await jsm.streams.names().next()).sort();

  const run = (resources: Resource[], over: Partial<ReconcileInput> = {}) =>
    reconcile({ resources, connection: { servers: cluster.urls as string[] }, owner: 'core', mode: 'apply', ...over });

  before(async () => {
    cluster = await startTestCluster(1);
    nc = await connect({ servers: cluster.urls as string[] });
    jsm = await jetstreamManager(nc);
    version = nc.info?.version ?? '0.0.0';
  });

  after(async () => {
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  test('a failing stream never stops the others; only its consumers wait', async () => {
    // a stream made by hand already captures blocked.>: the server refuses a second one (10065)
    await jsm.streams.add({ name: 'HANDMADE', subjects: ['blocked.>'] });
    const resources = resourcesFrom(stream('GOOD', ['good.>']) + consumer('GOOD', 'good-c') + stream('BAD', ['blocked.>']) + consumer('BAD', 'bad-c'));
    const r = await run(resources, { preflight: 'per-change' });
    const byKey = Object.fromEntries(r.groups[0].outcomes.map((o) => [o.key, o]));
    assert.equal(byKey['Stream/GOOD'].result, 'applied');
    assert.equal(byKey['Consumer/GOOD/good-c'].result, 'applied');
    const bad = byKey['Stream/BAD'];
    assert.equal(bad.result, 'failed');
    assert.equal(bad.result === 'failed' && bad.code, 'JK2003');
    assert.equal(bad.result === 'failed' && bad.transient, false);
    const waiting = byKey['Consumer/BAD/bad-c'];
    assert.equal(waiting.result, 'waiting');
    assert.equal(waiting.result === 'waiting' && waiting.on, 'Stream/BAD');
    assert.equal(r.ok, false);
    assert.deepEqual(await names(), ['GOOD', 'HANDMADE']);
    assert.equal((await jsm.consumers.info('GOOD', 'good-c')).name, 'good-c');
    const statuses = Object.fromEntries(r.groups[0].statuses.map((s) => [s.key, s.reason]));
    assert.deepEqual(statuses, { 'Stream/GOOD': 'Ready', 'Consumer/GOOD/good-c': 'Ready', 'Stream/BAD': 'Failed', 'Consumer/BAD/bad-c': 'Waiting' });
    await jsm.streams.delete('HANDMADE');
  });

  test('with the whole account read, a declared stream overlapping a live one is refused before any write', async () => {
    await jsm.streams.add({ name: 'LIVE_OWNER', subjects: ['taken.>'] });
    const resources = resourcesFrom(stream('OTHER_OK', ['other.>']) + stream('CLASH', ['taken.x']));
    const r = await run(resources, { read: 'all' });
    assert.deepEqual(r.refused.map((e) => e.code), ['JK1015']);
    assert.match(r.refused[0].message, /live stream LIVE_OWNER/);
    assert.equal(r.writes, 0);
    assert.equal((await names()).includes('OTHER_OK'), false, 'nothing was created');
    await jsm.streams.delete('LIVE_OWNER');
  });

  test('all-or-nothing (the default) refuses a replace before any write; per-change refuses it alone', async () => {
    await run(resourcesFrom(stream('KEEPER', ['keeper.>'])));
    const changed = resourcesFrom(stream('KEEPER', ['keeper.>']).replace('storage: file', 'storage: memory') + stream('FRESH', ['fresh.>']));
    const refused = await run(changed);
    assert.deepEqual(refused.refused.map((e) => e.code), ['JK3001']);
    assert.equal(refused.writes, 0);
    assert.equal((await names()).includes('FRESH'), false, 'nothing was created');
    const perChange = await run(changed, { preflight: 'per-change' });
    const byKey = Object.fromEntries(perChange.groups[0].outcomes.map((o) => [o.key, o]));
    assert.equal(byKey['Stream/KEEPER'].result, 'refused');
    assert.equal(byKey['Stream/KEEPER'].result === 'refused' && byKey['Stream/KEEPER'].reason, 'replace-not-allowed');
    assert.equal(byKey['Stream/FRESH'].result, 'applied');
    assert.equal((await jsm.streams.info('KEEPER')).config.storage, 'file', 'the refused stream is untouched');
  });

  test('a connection that cannot be reached stops every write in an all-or-nothing run; per-change applies the rest', async () => {
    const resources = resourcesFrom(stream('REACHED', ['reached.>']) + stream('UNREACHED', ['unreached.>'], ', servers: ["nats://127.0.0.1:1"]'));
    const r = await run(resources, { connection: { servers: cluster.urls as string[], timeoutMs: 2_000 } });
    const broken = r.groups.find((g) => g.error);
    assert.equal(broken?.error?.code, 'JK2001');
    assert.equal(r.ok, false);
    assert.equal(r.writes, 0);
    assert.equal((await names()).includes('REACHED'), false, 'nothing was created');
    const perChange = await run(resources, { preflight: 'per-change', connection: { servers: cluster.urls as string[], timeoutMs: 2_000 } });
    assert.equal(perChange.ok, false);
    assert.equal((await names()).includes('REACHED'), true);
    await jsm.streams.delete('REACHED');
  });

  test('an aborted run sends nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await run(resourcesFrom(stream('NEVER', ['never.>'])), { signal: ac.signal, preflight: 'per-change' });
    assert.equal(r.writes, 0);
    const o = r.groups[0].outcomes[0];
    assert.equal(o.result === 'refused' && o.reason, 'aborted');
    assert.equal((await names()).includes('NEVER'), false);
  });

  test('reconciling one changed resource among many reads only that one (counted on the server)', async () => {
    const many = Array.from({ length: 40 }, (_, i) => stream(`MANY_${i}`, [`many.${i}`]) + consumer(`MANY_${i}`, `c${i}`)).join('');
    const all = resourcesFrom(many);
    assert.equal((await run(all)).ok, true);
    // every resource declared, one of them changed: `only` names it, the rest are context
    const declared = resourcesFrom(many.replace('name: MANY_7, subjects: [many.7], storage: file', 'name: MANY_7, subjects: [many.7], storage: file, description: changed'));
    const one = declared.filter((r) => r.key === 'Stream/MANY_7');
    assert.equal(one.length, 1);
    const count = async (fn: () => Promise<unknown>) => {
      const spy: Subscription = nc.subscribe('$JS.API.>');
      const seen: string[] = [];
      const done = (async () => { for await (const m of spy) seen.push(m.subject); })();
      await nc.flush();
      await fn();
      await nc.flush();
      spy.unsubscribe();
      await done;
      return seen;
    };
    const targeted = await count(async () => assert.equal((await run(declared, { only: ['Stream/MANY_7'] })).ok, true));
    // $JS.API.INFO (connect), STREAM.INFO.MANY_7 (read), STREAM.UPDATE.MANY_7 (the client reads the info once more before it)
    const requests = targeted.filter((s) => s !== '$JS.API.INFO');
    assert.ok(requests.length <= 3, requests.join(' '));
    assert.deepEqual([...new Set(requests)].sort(), ['$JS.API.STREAM.INFO.MANY_7', '$JS.API.STREAM.UPDATE.MANY_7']);
    assert.equal((await jsm.streams.info('MANY_7')).config.description, 'changed');
    const listed = await count(async () => assert.equal((await run(one, { read: 'all', mode: 'plan' })).ok, true));
    assert.ok(listed.length > 40, `a whole-account read lists every stream's consumers (${listed.length} requests)`);
    for (let i = 0; i < 40; i++) await jsm.streams.delete(`MANY_${i}`);
  });

  describe('mass-delete guard on the command line', () => {
    let home: string;
    let server: string[];
    const owner = ['--owner', 'guard'];
    before(() => {
      home = makeTempDir('jetkeeper-guard-home-');
      server = ['-s', cluster.urls.join(','), '--home', home];
    });

    test('empty directory, empty stdin, comments only, or only skipped documents: an error, nothing deleted', (t) => {
      if (compareVersions(version, '2.10.0') < 0) return t.skip('prune needs stream metadata (nats-server 2.10+)');
      const before = readFileSync(seedFile, 'utf8').replaceAll('replicas: 3', 'replicas: 1');
      const dir = makeTempDir('jetkeeper-guard-');
      writeFileSync(join(dir, 'seed.yaml'), before);
      const seeded = jk(['apply', '-f', join(dir, 'seed.yaml'), ...owner, ...server]);
      assert.equal(seeded.code, 0, seeded.stderr);
      const emptyDir = join(dir, 'empty');
      mkdirSync(emptyDir);
      writeFileSync(join(dir, 'comments.yaml'), '# nothing here\n---\n# still nothing\n');
      writeFileSync(join(dir, 'typo.yaml'), before.replaceAll('jetstream.nats.io/v1beta2', 'jetsream.nats.io/v1beta2'));
      writeFileSync(join(dir, 'other.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n');
      for (const [what, args, input] of [
        ['empty directory', ['-f', emptyDir]], ['empty stdin', ['-f', '-'], ''], ['comments only', ['-f', join(dir, 'comments.yaml')]],
        ['apiVersion typo', ['-f', join(dir, 'typo.yaml')]], ['only other kinds', ['-f', join(dir, 'other.yaml')]],
      ] as [string, string[], string?][]) {
        const r = jk(['apply', '--prune', ...args, ...owner, ...server], input);
        assert.equal(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
        assert.match(r.stderr, /JK10(03|10)/, what);
        assert.doesNotMatch(r.stdout, /delete/, what);
      }
      assert.deepEqual(jk(['get', 'streams', '-o', 'json', ...server]).code, 0);
      return names().then((n) => assert.ok(n.includes('ORDERS') && n.includes('PDF_TASKS'), n.join(',')));
    });

    test('more deletes than the limit are refused by name; --prune-max lets them through', async (t) => {
      if (compareVersions(version, '2.10.0') < 0) return t.skip('prune needs stream metadata (nats-server 2.10+)');
      const dir = makeTempDir('jetkeeper-guard-many-');
      const all = join(dir, 'all.yaml');
      const one = join(dir, 'one.yaml');
      writeFileSync(all, Array.from({ length: 12 }, (_, i) => stream(`BULK_${i}`, [`bulk.${i}`])).join(''));
      writeFileSync(one, stream('BULK_0', ['bulk.0']));
      assert.equal(jk(['apply', '-f', all, '--owner', 'bulk', ...server]).code, 0);
      const plan = jk(['plan', '--prune', '-f', one, '--owner', 'bulk', ...server]);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(plan.stdout, /PRUNE REFUSED: it would delete 11 resources, more than the limit of 3 \(default: 25 % of the 12 owned/);
      const refused = jk(['apply', '--prune', '-f', one, '--owner', 'bulk', ...server]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /JK3008 .*Nothing was applied/);
      assert.match(refused.stderr, /--prune-max 11/);
      assert.equal((await names()).filter((n) => n.startsWith('BULK_')).length, 12, 'nothing deleted');
      const json = JSON.parse(jk(['plan', '--prune', '-f', one, '--owner', 'bulk', '-o', 'json', ...server]).stdout);
      assert.deepEqual(json.prune, { deletes: 11, owned: 12, declared: 1, limit: 3, explicit: false, refused: 'over-limit' });
      const done = jk(['apply', '--prune', '--prune-max', '11', '-f', one, '--owner', 'bulk', ...server]);
      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual((await names()).filter((n) => n.startsWith('BULK_')), ['BULK_0']);
      assert.equal(jk(['apply', '--prune-max', 'lots', '-f', one, ...server]).code, 1);
    });
  });

  describe('up --dir', () => {
    const home = makeTempDir('jetkeeper-updir-home-');
    const dir = join(makeTempDir('jetkeeper-updir-'), 'elsewhere');
    after(() => { jk(['down', '--dir', dir, '--purge', '--home', home]); });

    test('after up --dir DIR, commands without a server connect to that cluster, and down forgets it', async () => {
      const up = jk(['up', '--servers', '1', '--dir', dir, '--detach', '--home', home, '-o', 'json']);
      assert.equal(up.code, 0, up.stderr);
      const client = JSON.parse(up.stdout).servers[0].client as string;
      const file = join(dir, '..', 'one.yaml');
      writeFileSync(file, stream('UPDIR', ['updir.>']));
      const applied = jk(['apply', '-f', file, '--home', home, '-o', 'json']);
      assert.equal(applied.code, 0, applied.stderr);
      const other = await connect({ servers: client });
      try {
        assert.equal((await (await jetstreamManager(other)).streams.info('UPDIR')).config.name, 'UPDIR', 'created on the up --dir cluster');
      } finally {
        await other.close();
      }
      assert.equal((await names()).includes('UPDIR'), false, 'not on the test cluster');
      assert.equal(jk(['down', '--dir', dir, '--purge', '--home', home]).code, 0);
      const after = jk(['plan', '-f', file, '--home', home, '--timeout', '1000']);
      assert.notEqual(after.code, 0);
      assert.match(after.stderr, /127\.0\.0\.1:4222 \(from default\)|JK2001/);
    });
  });
});
