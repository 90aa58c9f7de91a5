/**
 * The command line as a user runs it: real processes of bin/jetkeeper.js against a real
 * cluster; exit codes, --help, -o json, file:line errors, stdin, secrets kept out of output.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { LocalCluster } from '../../src/local/cluster.js';
import { compareVersions } from '../../src/resources/kind.js';
import { makeTempDir, startTestCluster, testServerBin } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');
const seed = join(root, 'test', 'fixtures', 'order-pipeline.yaml');

/** A live, non-zombie process (orphans on this kind of machine may linger as zombies). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface Run { code: number; stdout: string; stderr: string }

function jk(args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [bin, ...args], {
    input: opts.input,
    encoding: 'utf8',
    env: { ...process.env, NATS_URL: '', ...opts.env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('jetkeeper CLI', () => {
  let cluster: LocalCluster;
  let home: string;
  let server: string[];

  before(async () => {
    cluster = await startTestCluster(3);
    home = makeTempDir('jetkeeper-cli-home-');
    server = ['-s', cluster.urls.join(','), '--home', home];
  });
  after(async () => {
    await cluster?.stop({ purge: true });
  });

  test('every command answers --help with its usage and exit 0', () => {
    for (const cmd of ['validate', 'plan', 'apply', 'get', 'export', 'status', 'up', 'down']) {
      const r = jk([cmd, '--help']);
      assert.equal(r.code, 0, cmd);
      assert.match(r.stdout, new RegExp(`Usage: jetkeeper ${cmd}`));
    }
  });

  test('validate accepts the seed pipeline and reports an unknown field with file:line:col, did-you-mean and exit 1', () => {
    const ok = jk(['validate', '-f', seed, '-o', 'json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout).resources.map((r: { key: string }) => r.key), [
      'Stream/ORDERS', 'Consumer/ORDERS/fulfillment-created', 'Consumer/ORDERS/analytics-created', 'Stream/PDF_TASKS', 'Consumer/PDF_TASKS/pdf-workers',
    ]);
    const bad = join(makeTempDir(), 'bad.yaml');
    writeFileSync(bad, readFileSync(seed, 'utf8').replace('  maxAge: 24h', '  maxAg: 24h'));
    const r = jk(['validate', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:18:3: JK1004 Stream\/orders-stream spec\.maxAg: unknown field "maxAg"/);
    assert.match(r.stderr, /did you mean "maxAge"\?/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/); // no stack trace
    const j = jk(['validate', '-f', bad, '-o', 'json']);
    assert.equal(j.code, 1);
    assert.equal(JSON.parse(j.stdout).errors[0].code, 'JK1004');
  });

  test('plan --detailed-exitcode says 2 before apply and 0 after; apply -o json counts writes', () => {
    const before = jk(['plan', '-f', seed, '--detailed-exitcode', ...server]);
    assert.equal(before.code, 2, before.stderr);
    assert.match(before.stdout, /\+ create\s+Stream\/ORDERS/);
    assert.match(before.stdout, /Plan: 5 to create/);
    const applied = jk(['apply', '-f', seed, '-o', 'json', ...server]);
    assert.equal(applied.code, 0, applied.stderr);
    const out = JSON.parse(applied.stdout);
    assert.equal(out.writes, 5);
    assert.equal(out.applied.every((a: { ok: boolean }) => a.ok), true);
    const afterPlan = jk(['plan', '-f', seed, '--detailed-exitcode', ...server]);
    assert.equal(afterPlan.code, 0, afterPlan.stdout + afterPlan.stderr);
    assert.match(afterPlan.stdout, /No changes/);
  });

  test('get shows the streams and consumers as tables and JSON', () => {
    const t = jk(['get', 'streams', ...server]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^NAME\s+SUBJECTS/m);
    assert.match(t.stdout, /ORDERS\s+orders\.created,orders\.paid,orders\.cancelled\s+limits\s+file\s+3\s+24h/);
    const j = JSON.parse(jk(['get', 'consumers', '-o', 'json', ...server]).stdout) as { stream: string; name: string; ack: string }[];
    assert.deepEqual(j.map((c) => `${c.stream}/${c.name}/${c.ack}`).sort(), ['ORDERS/analytics-created/explicit', 'ORDERS/fulfillment-created/explicit', 'PDF_TASKS/pdf-workers/explicit']);
    const y = jk(['get', 'streams', '-o', 'yaml', ...server]);
    assert.match(y.stdout, /- name: ORDERS/);
    const unknown = jk(['get', 'widgets', ...server]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /JK1012/);
  });

  test('export piped into plan -f - is a no-op', () => {
    const exported = jk(['export', ...server]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /kind: Stream/);
    const p = jk(['plan', '-f', '-', '--detailed-exitcode', ...server], { input: exported.stdout });
    assert.equal(p.code, 0, p.stdout + p.stderr);
  });

  test('status reports Ready, then NotFound with exit 1 when a consumer is deleted behind its back', async () => {
    const ok = jk(['status', '-f', seed, '-o', 'json', ...server]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(JSON.parse(ok.stdout).resources.every((r: { reason: string }) => r.reason === 'Ready'), true);
    const nc: NatsConnection = await connect({ servers: cluster.urls as string[] });
    try {
      await (await jetstreamManager(nc)).consumers.delete('ORDERS', 'analytics-created');
    } finally {
      await nc.close();
    }
    const bad = jk(['status', '-f', seed, ...server]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /Consumer\/ORDERS\/analytics-created\s+False\s+NotFound/);
    assert.equal(jk(['apply', '-f', seed, ...server]).code, 0);
  });

  test('a storage change is refused without --allow-replace and done with it, consumers recreated', () => {
    const changed = join(makeTempDir(), 'pdf-memory.yaml');
    writeFileSync(changed, readFileSync(seed, 'utf8').replace('storage: file\n  replicas: 3\n  retention: workqueue', 'storage: memory\n  replicas: 3\n  retention: workqueue'));
    const refused = jk(['apply', '-f', changed, ...server]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /JK3001 Stream\/PDF_TASKS/);
    assert.match(refused.stderr, /--allow-replace/);
    const plan = jk(['plan', '-f', changed, ...server]);
    assert.match(plan.stdout, /-\/\+ replace\s+Stream\/PDF_TASKS/);
    assert.match(plan.stdout, /storage: file → memory\s+\[forces replace\]/);
    assert.match(plan.stdout, /DATA LOSS: deletes stream PDF_TASKS/);
    const done = jk(['apply', '-f', changed, '--allow-replace', '-o', 'json', ...server]);
    assert.equal(done.code, 0, done.stdout + done.stderr);
    const streams = JSON.parse(jk(['get', 'streams', '-o', 'json', ...server]).stdout) as { name: string; storage: string }[];
    assert.equal(streams.find((s) => s.name === 'PDF_TASKS')?.storage, 'memory');
    const consumers = JSON.parse(jk(['get', 'consumers', '--stream', 'PDF_TASKS', '-o', 'json', ...server]).stdout) as { name: string }[];
    assert.deepEqual(consumers.map((c) => c.name), ['pdf-workers']);
    assert.equal(jk(['apply', '-f', seed, '--allow-replace', ...server]).code, 0);
  });

  test('a field the server does not know is planned as unsupported and apply refuses it', async (t) => {
    const f = join(makeTempDir(), 'md.yaml');
    writeFileSync(f, `apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: tagged }
spec: { name: TAGGED, subjects: [tagged.>], storage: file, metadata: { team: payments } }
`);
    const p = jk(['plan', '-f', f, '-o', 'json', ...server]);
    const change = JSON.parse(p.stdout).changes[0];
    if (compareVersions(cluster.version, '2.10.0') >= 0) {
      assert.equal(change.action, 'create');
      t.diagnostic(`nats-server ${cluster.version} supports stream metadata`);
      return;
    }
    assert.equal(change.action, 'unsupported');
    assert.deepEqual(change.fields.map((x: { field: string; since: string }) => `${x.field}@${x.since}`), ['metadata@2.10.0']);
    const a = jk(['apply', '-f', f, ...server]);
    assert.equal(a.code, 1);
    assert.match(a.stderr, /JK3002 .*metadata needs nats-server 2\.10\.0/);
  });

  test('connection errors name the server without its password and exit 1', () => {
    const r = jk(['get', 'streams', '-s', 'nats://alice:s3cr3t-pw@127.0.0.1:1', '--timeout', '1000']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /JK2001 cannot connect to nats:\/\/alice:\*\*\*@127\.0\.0\.1:1/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cr3t-pw/);
  });

  test('up --detach starts a cluster later commands use by default and registers the nats CLI context jetkeeper; down stops exactly its processes and removes it', () => {
    const h = makeTempDir('jetkeeper-up-');
    // the nats CLI context goes to $XDG_CONFIG_HOME/nats, never to the real home
    const xdg = makeTempDir('jetkeeper-xdg-');
    const env = { HOME: makeTempDir('jetkeeper-home-'), XDG_CONFIG_HOME: xdg };
    const up = jk(['up', '--servers', '1', '--detach', '--home', h, '-o', 'json', '--nats-server', testServerBin()], { env });
    assert.equal(up.code, 0, up.stderr);
    const info = JSON.parse(up.stdout) as { servers: { pid: number; client: string }[]; natsContext: { name: string; file: string; selected: boolean } };
    const pid = info.servers[0].pid;
    assert.equal(alive(pid), true);
    const contextJson = join(xdg, 'nats', 'context', 'jetkeeper.json');
    assert.deepEqual(info.natsContext, { name: 'jetkeeper', file: contextJson, selected: false });
    assert.equal((JSON.parse(readFileSync(contextJson, 'utf8')) as { url: string }).url, info.servers[0].client);
    assert.equal(existsSync(join(xdg, 'nats', 'context.txt')), false, 'registered, not selected');
    const natsCli = join(process.env.JETKEEPER_CACHE || join(homedir(), '.cache', 'jetkeeper'), 'bin', 'nats');
    if (existsSync(natsCli)) {
      const add = jk(['apply', '-f', '-', '--home', h], { env, input: 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: ctx }\nspec: { name: CTX_CHECK, subjects: [ctx.check], storage: memory }\n' });
      assert.equal(add.code, 0, add.stderr);
      const ls = spawnSync(natsCli, ['--context', 'jetkeeper', 'stream', 'ls', '--names'], { encoding: 'utf8', env: { ...process.env, NATS_URL: '', ...env }, timeout: 30_000 });
      assert.equal(ls.status, 0, ls.stderr);
      assert.match(ls.stdout, /CTX_CHECK/);
    }
    const again = jk(['up', '--servers', '1', '--detach', '--home', h, '--nats-server', testServerBin()], { env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /JK4005/);
    const get = jk(['get', 'streams', '--home', h], { env });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, existsSync(natsCli) ? /CTX_CHECK/ : /No streams found/);
    const down = jk(['down', '--purge', '--home', h, '-o', 'json'], { env });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual((JSON.parse(down.stdout) as { natsContext: unknown }).natsContext, { name: 'jetkeeper', removed: true });
    assert.equal(alive(pid), false);
    assert.equal(existsSync(contextJson), false);
    const none = jk(['down', '--home', h], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /JK4004/);
  });

  test('spec.servers and an Account send a resource to its own server, as in NACK', async () => {
    const other = await startTestCluster(1);
    try {
      const f = join(makeTempDir(), 'elsewhere.yaml');
      writeFileSync(f, `apiVersion: jetstream.nats.io/v1beta2
kind: Account
metadata: { name: edge }
spec: { servers: [${other.urls[0]}] }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: audit }
spec: { name: AUDIT, subjects: [audit.>], storage: file, account: edge }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: metrics }
spec: { name: METRICS, subjects: [metrics.>], storage: file, servers: [${other.urls[0]}] }
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: home }
spec: { name: HOME, subjects: [home.>], storage: file }
`);
      const r = jk(['apply', '-f', f, '-o', 'json', ...server]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(JSON.parse(r.stdout).groups.length, 2);
      const names = (urls: readonly string[]) => (JSON.parse(jk(['get', 'streams', '-o', 'json', '-s', urls.join(',')]).stdout) as { name: string }[]).map((x) => x.name).sort();
      assert.deepEqual(names(other.urls), ['AUDIT', 'METRICS']);
      assert.ok(names(cluster.urls).includes('HOME'));
      assert.ok(!names(cluster.urls).includes('AUDIT'));
      assert.equal(jk(['plan', '-f', f, '--detailed-exitcode', ...server]).code, 0);
    } finally {
      await other.stop({ purge: true });
    }
  });
});
