/**
 * `jetkeeper drill kill-server` and `jetkeeper bench` as a user runs them: real processes of
 * bin/jetkeeper.js against one real 3-server cluster shared by the file. The drills kill, stop and
 * restart servers of that cluster (the CLI records the new pids in its cluster.json), so cleanup stops
 * the cluster as recorded there. No timing assertions: only counts and invariants.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCluster, type LocalCluster } from '../../src/local/cluster.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');

interface Run { code: number; stdout: string; stderr: string }

function jk(args: string[], timeoutMs = 240_000): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NATS_URL: '' }, timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function jkAsync(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NATS_URL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function json<T = Record<string, any>>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

describe('jetkeeper drill and bench', () => {
  let cluster: LocalCluster;
  let home: string;
  let server: string[];

  /** Stops the cluster as cluster.json records it (a drill may have restarted servers under new pids). */
  const killRecordedSync = () => {
    try {
      if (cluster) openCluster(cluster.dir).killAllSync();
    } catch {
      /* already gone */
    }
  };

  before(async () => {
    cluster = await startTestCluster(3);
    home = makeTempDir('jetkeeper-drill-home-');
    server = ['-s', cluster.urls.join(','), '--home', home];
    process.on('exit', killRecordedSync);
  });
  after(async () => {
    try {
      await openCluster(cluster.dir).stop({ purge: true });
    } catch {
      /* cluster.json already removed */
    }
    await cluster?.stop({ purge: true });
    process.removeListener('exit', killRecordedSync);
  });

  test('drill and bench answer --help', () => {
    for (const cmd of [['drill', 'kill-server'], ['bench', 'pub'], ['bench', 'sub'], ['bench', 'req']]) {
      const r = jk([...cmd, '--help']);
      assert.equal(r.code, 0, cmd.join(' '));
      assert.match(r.stdout, new RegExp(`Usage: jetkeeper ${cmd.join(' ')}`));
    }
  });

  test('bench pub (core and --js) and bench req report counts as JSON', async () => {
    const core = json(jk(['bench', 'pub', '--duration', '2s', '--rate', '2000', '-o', 'json', ...server]));
    assert.equal(core.mode, 'pub');
    assert.ok(core.completed > 0, JSON.stringify(core));
    assert.equal(core.failed, 0);
    assert.equal(core.latency_ms, null);

    const jsr = jk(['bench', 'pub', '--js', '--subject', 'bench.js.test', '--duration', '2s', '--rate', '500', '--concurrency', '8', '-o', 'json', ...server]);
    assert.equal(jsr.code, 0, jsr.stdout + jsr.stderr);
    const js = json(jsr);
    assert.ok(js.completed > 0, JSON.stringify(js));
    assert.equal(js.latency_ms.count, js.completed);
    assert.equal(js.stream.created, true);
    assert.equal(js.stream.deleted, true, 'the stream made for the run is deleted');

    const req = json(jk(['bench', 'req', '--duration', '2s', '--concurrency', '4', '-o', 'json', ...server]));
    assert.ok(req.completed > 0, JSON.stringify(req));
    assert.equal(req.latency_ms.count, req.completed);
    assert.ok(req.responder.served >= req.completed);

    // a subscriber in another process sees what bench pub sends, with end-to-end latency
    const subP = jkAsync(['bench', 'sub', '--subject', 'bench.sub.test', '--duration', '5s', '--count', '1000', '-o', 'json', ...server]);
    await new Promise((r) => setTimeout(r, 1_500));
    jk(['bench', 'pub', '--subject', 'bench.sub.test', '--duration', '2s', '--rate', '1000', ...server]);
    const sub = json(await subP);
    assert.ok(sub.completed > 0, JSON.stringify(sub));
    assert.ok(sub.latency_ms.count > 0);
  });

  test('bench with nothing to answer exits 1 with counts', () => {
    const r = jk(['bench', 'req', '--subject', 'nobody.home', '--no-responder', '--duration', '1s', '-o', 'json', ...server]);
    assert.equal(r.code, 1);
    const out = json(r);
    assert.equal(out.completed, 0);
    assert.ok(out.failed > 0);
    assert.ok(out.errors.no_responders > 0, JSON.stringify(out.errors));
  });

  test('drill refuses bad options and a missing cluster', () => {
    const bad = jk(['drill', 'kill-server', '--dir', cluster.dir, '--count', '3']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /JK1016 .*--count must be 1 or 2/);
    const unknown = jk(['drill', 'kill-server', '--dir', cluster.dir, '--target', 'n9']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /JK4006 .*no server "n9"/);
    const none = jk(['drill', 'kill-server', '--dir', makeTempDir()]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /JK4004/);
  });

  test('kill the stream leader (1 of 3): >= 20,000 acked publishes, none missing, recovered', (t) => {
    const r = jk(['drill', 'kill-server', '--dir', cluster.dir, '--target', 'leader', '--count', '1', '--rate', '1500', '--duration', '30s', '-o', 'json']);
    const rep = json(r);
    t.diagnostic(`nats-server ${cluster.version}: ${rep.publish.acked} acked of ${rep.publish.attempted}; no leader for ${rep.leader.leaderless_ms} ms`);
    assert.equal(r.code, 0, `${JSON.stringify(rep, null, 2)}\n${r.stderr}`);
    assert.equal(rep.ok, true);
    assert.equal(rep.action.method, 'SIGKILL');
    assert.equal(rep.action.killed_leader, true, 'the stream leader was killed');
    assert.deepEqual(rep.action.targets, [rep.action.leader_before]);
    assert.ok(rep.publish.acked >= 20_000, `only ${rep.publish.acked} acked publishes`);
    assert.equal(rep.messages.readback_complete, true);
    assert.equal(rep.messages.acked_missing, 0);
    assert.equal(rep.messages.duplicates_in_stream, 0);
    assert.ok(rep.messages.in_stream >= rep.publish.acked);
    assert.equal(rep.quorum.expected_lost, false);
    assert.equal(rep.quorum.regained, true);
    assert.equal(rep.replicas.views_agree, true);
    assert.equal(rep.consumer.acked_never_delivered, 0);
    assert.equal(rep.cleanup.stream_deleted, true);
    assert.equal(rep.cleanup.servers_restored, true);
    assert.deepEqual(Object.values(openCluster(cluster.dir).running()), [true, true, true]);
  });

  test('kill 2 of 3: no quorum while down, nothing acked then, recovers after the restart', (t) => {
    const r = jk(['drill', 'kill-server', '--dir', cluster.dir, '--count', '2', '--target', 'random', '--rate', '500', '--duration', '16s', '-o', 'json']);
    const rep = json(r);
    assert.equal(r.code, 0, `${JSON.stringify(rep, null, 2)}\n${r.stderr}`);
    t.diagnostic(`API while down: ${JSON.stringify(rep.quorum.probes_while_down)}; publish errors ${JSON.stringify(rep.publish.errors)}`);
    assert.equal(rep.action.targets.length, 2);
    assert.equal(rep.quorum.expected_lost, true);
    assert.equal(rep.quorum.lost_while_down, true);
    assert.equal(rep.publish.acked_while_down, 0);
    const failedAttempts = Object.values(rep.publish.errors as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.ok(failedAttempts > 0, 'publishes failed while the quorum was lost');
    assert.equal(rep.quorum.regained, true);
    assert.ok(rep.publish.acked_after_restart > 0);
    assert.equal(rep.messages.acked_missing, 0);
    assert.equal(rep.replicas.views_agree, true);
    assert.equal(rep.cleanup.stream_deleted, true);
    assert.deepEqual(Object.values(openCluster(cluster.dir).running()), [true, true, true]);
  });

  test('--partition stops and continues a server and says so', () => {
    const r = jk(['drill', 'kill-server', '--dir', cluster.dir, '--partition', '--target', 'random', '--rate', '500', '--duration', '12s']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /partition simulated with SIGSTOP/);
    assert.match(r.stdout, /acked missing: 0;/);
    assert.match(r.stdout, /^result: PASS/m);
    assert.deepEqual(Object.values(openCluster(cluster.dir).running()), [true, true, true]);
  });

  test('after the drills no DRILL_ stream is left', () => {
    const r = jk(['get', 'streams', '-o', 'json', ...server]);
    assert.equal(r.code, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
    assert.deepEqual(names.filter((n) => n.startsWith('DRILL_') || n.startsWith('BENCH_')), []);
  });
});
