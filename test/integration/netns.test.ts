/**
 * A local cluster in network namespaces (`startCluster({ netns: true })`, `jetkeeper up --netns`) and a
 * real network partition drill against it (`drill kill-server --partition`: the target's veth goes
 * down, not SIGSTOP). Needs Linux, root and `ip netns` with veth and bridge; skipped (with the reason)
 * otherwise. Everything lives on a private 10.213.x.0/24 inside namespaces the test creates, reached
 * through one host veth; afterwards no namespace or link with the run's prefix may be left.
 * No timing assertions: only counts and invariants.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCluster, readClusterState, startCluster, type LocalCluster, type ServerState } from '../../src/local/cluster.js';
import { ipBinary, probeNetns, processExe, runsInNamespace } from '../../src/local/netns.js';
import { serverVersion } from '../../src/local/binary.js';
import { testServerBin } from '../helpers/servers.js';
import { eventually, mon } from '../helpers/monitor.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const jkBin = join(root, 'bin', 'jetkeeper.js');

interface Run { code: number; stdout: string; stderr: string }

function jk(args: string[], timeoutMs = 240_000): Run {
  const r = spawnSync(process.execPath, [jkBin, ...args], { encoding: 'utf8', env: { ...process.env, NATS_URL: '' }, timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json<T = Record<string, any>>(r: Run): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Namespaces and host links whose names start with `prefix`, straight from `ip netns list` / `ip -j link`. */
function leftBehind(prefix: string): string[] {
  const ip = ipBinary()!;
  const ns = spawnSync(ip, ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '');
  const links = (JSON.parse(spawnSync(ip, ['-j', 'link'], { encoding: 'utf8' }).stdout || '[]') as { ifname: string }[]).map((l) => l.ifname);
  return [...ns.filter((n) => n.startsWith(prefix)).map((n) => `netns ${n}`), ...links.filter((n) => n.startsWith(prefix)).map((n) => `link ${n}`)];
}

/** Host routes into `subnet` (there must be none once the network is gone). */
function hostRoutesTo(subnet: string): string[] {
  const routes = JSON.parse(spawnSync(ipBinary()!, ['-j', '-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout || '[]') as { dst?: string; dev?: string }[];
  return routes.filter((r) => r.dst === subnet || r.dst?.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).map((r) => `${r.dst} dev ${r.dev}`);
}

const support = probeNetns();
const bin = testServerBin();
const version = serverVersion(bin);
const [major, minor] = version.split('.').map(Number) as [number, number];
/**
 * Before 2.10 (seen with Debian's 2.9.10) a real network partition can leave a replica behind for
 * good: the former stream leader stayed 180 messages behind 60 s after healing while the new leader
 * reported it current, an ordered consumer placed there read acked messages as missing, and the next
 * stream placement failed with "peer offline" for a while. The drill reports that as FAIL; against
 * those servers its invariants are a known server defect (todo), not a jetkeeper failure.
 */
const knownServerDefect =
  major === 2 && minor < 10
    ? `nats-server ${version} is older than 2.10: after a real network partition its replicas can diverge for good (seen with 2.9.10); the drill reports FAIL when they do`
    : undefined;

describe(`netns cluster and network partition drill (nats-server ${version} at ${bin})`, () => {
  let cluster: LocalCluster | undefined;
  let dir = '';
  let prefix = '';
  let subnet = '';
  const dirs: string[] = [];

  /** process exit / Ctrl-C: kill the servers as cluster.json records them and remove their network */
  const cleanupSync = () => {
    for (const d of dirs) {
      try {
        openCluster(d).killAllSync();
      } catch {
        /* no cluster.json (stopped already, or never written) */
      }
      rmSync(d, { recursive: true, force: true });
    }
    try {
      cluster?.killAllSync();
    } catch {
      /* best effort */
    }
  };
  const onSignal = () => {
    cleanupSync();
    process.exit(130);
  };
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'jetkeeper-test-netns-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    if (!support.ok) return;
    process.on('exit', cleanupSync);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    dir = tempDir();
    cluster = await startCluster({ servers: 3, dir, bin, netns: true });
    prefix = cluster.netns!.prefix;
    subnet = cluster.netns!.subnet;
  });
  after(async () => {
    if (!support.ok) return;
    try {
      await cluster?.stop({ purge: true });
    } finally {
      cleanupSync();
      process.removeListener('exit', cleanupSync);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  });

  test('3 servers, each nats-server itself (pid) in its own namespace on 10.213.x, routed to each other, one meta leader', async (t) => {
    if (!support.ok) return t.skip(support.reason);
    const c = cluster!;
    const net = c.netns!;
    t.diagnostic(`prefix ${prefix}, subnet ${subnet}, host ${net.hostIf} ${net.hostAddress}`);
    assert.match(prefix, /^jk-[0-9a-f]{6}-$/);
    assert.match(subnet, /^10\.213\.\d{1,3}\.0\/24$/);
    const state = readClusterState(c.dir);
    assert.deepEqual(state.netns, net, 'cluster.json records the network');
    const want = realpathSync(bin);
    for (const [i, s] of c.servers.entries()) {
      const ns = net.servers[i]!;
      assert.equal(ns.name, s.name);
      assert.ok(ns.ns.startsWith(prefix), ns.ns);
      assert.deepEqual(s.netns, { ns: ns.ns, address: ns.address });
      assert.equal(ns.address, `${subnet.split('.').slice(0, 3).join('.')}.${11 + i}`);
      assert.equal(new URL(s.clientUrl).hostname, ns.address);
      assert.equal(new URL(s.monitorUrl).hostname, ns.address);
      assert.match(readFileSync(s.configFile, 'utf8'), new RegExp(`listen: "${ns.address.replace(/\./g, '\\.')}:4222"`));
      // `ip netns exec` execs: the recorded pid is nats-server itself, inside its namespace
      assert.equal(processExe(s.pid), want, `${s.name} pid ${s.pid} runs ${processExe(s.pid)}`);
      assert.equal(runsInNamespace(s.pid, ns.ns), true, `${s.name} pid ${s.pid} is in ${ns.ns}`);
      assert.equal((await mon<{ server_name: string }>(s, '/varz')).server_name, s.name);
    }
    const leader = await eventually('a meta leader all three agree on', async () => {
      const leaders = await Promise.all(c.servers.map(async (s) => (await mon<{ meta_cluster?: { leader?: string } }>(s, '/jsz')).meta_cluster?.leader ?? ''));
      return leaders[0] && leaders.every((l) => l === leaders[0]) ? leaders[0] : undefined;
    });
    assert.ok(['n1', 'n2', 'n3'].includes(leader));
    for (const s of c.servers) {
      const routez = await eventually(`${s.name} routes to the other two`, async () => {
        const r = await mon<{ num_routes: number; routes: { remote_id: string; ip: string }[] }>(s, '/routez');
        return new Set(r.routes.map((x) => x.remote_id)).size === 2 ? r : undefined;
      });
      for (const r of routez.routes) assert.ok(net.servers.some((x) => x.address === r.ip), `${s.name} route to ${r.ip} is on the namespace network`);
    }
    assert.deepEqual(c.partitioned(), []);
  });

  let leaderRun: Run | undefined;
  let leaderReport: Record<string, any> | undefined;
  let pidsBefore: number[] = [];

  test('drill kill-server --partition --target leader cuts the stream leader\'s network (veth down, not SIGSTOP) and heals it', (t) => {
    if (!support.ok) return t.skip(support.reason);
    pidsBefore = cluster!.servers.map((s) => s.pid);
    leaderRun = jk(['drill', 'kill-server', '--partition', '--target', 'leader', '--dir', dir, '-o', 'json', '--rate', '500', '--duration', '24s', '--down', '12s']);
    const rep = json(leaderRun);
    leaderReport = rep;
    t.diagnostic(`${rep.action.partition}: ${rep.action.targets} cut off; ${rep.publish.acked} acked of ${rep.publish.attempted}, ${rep.publish.acked_while_down} while down; no leader for ${rep.leader.leaderless_ms} ms; ok ${rep.ok}`);
    assert.equal(rep.error, null, `${JSON.stringify(rep, null, 2)}\n${leaderRun.stderr}`);
    assert.equal(rep.action.method, 'network');
    assert.equal(rep.action.partition, 'network (netns veth down)');
    assert.match(rep.action.note, /^partition: network \(netns veth down\)/);
    assert.doesNotMatch(leaderRun.stderr, /SIGSTOP/);
    assert.match(leaderRun.stderr, /cut n\d off the network \(netns veth down\)/);
    assert.equal(rep.action.killed_leader, true, 'the stream leader was cut off');
    assert.deepEqual(rep.action.targets, [rep.action.leader_before]);
    assert.equal(rep.quorum.expected_lost, false, '1 of 3 cut off keeps a majority');
    assert.equal(rep.cleanup.stream_deleted, true);
    assert.equal(rep.cleanup.servers_restored, true);
    // a partition is healed, not restarted: the same processes, all connected again
    const now = openCluster(dir);
    assert.deepEqual(now.servers.map((s) => s.pid), pidsBefore);
    assert.deepEqual(Object.values(now.running()), [true, true, true]);
    assert.deepEqual(now.partitioned(), []);
  });

  test('... and the invariants hold: 0 acked missing, quorum regained, replicas current', { todo: knownServerDefect }, (t) => {
    if (!support.ok) return t.skip(support.reason);
    assert.ok(leaderRun && leaderReport, 'the drill above ran');
    const rep = leaderReport;
    const detail = `${JSON.stringify({ invariants: rep.invariants, replicas: rep.replicas, messages: rep.messages }, null, 2)}\n${leaderRun.stderr}`;
    assert.equal(rep.messages.readback_complete, true, detail);
    assert.equal(rep.messages.acked_missing, 0, detail);
    assert.equal(rep.invariants.no_acked_missing, true, detail);
    assert.equal(rep.quorum.regained, true, detail);
    assert.equal(rep.invariants.quorum_regained, true, detail);
    assert.equal(rep.replicas.views_agree, true, detail);
    assert.equal(rep.invariants.replicas_current, true, detail);
    assert.equal(rep.consumer.acked_never_delivered, 0, detail);
    assert.equal(rep.ok, true, detail);
    assert.equal(leaderRun.code, 0, detail);
  });

  let twoRun: Run | undefined;

  test('drill kill-server --partition --count 2 cuts two servers off (text report) and heals them', (t) => {
    if (!support.ok) return t.skip(support.reason);
    twoRun = jk(['drill', 'kill-server', '--partition', '--count', '2', '--target', 'random', '--dir', dir, '--rate', '500', '--duration', '16s']);
    const r = twoRun;
    t.diagnostic(r.stdout.split('\n').filter((l) => /quorum|partition:|^result/.test(l)).join(' | '));
    assert.match(r.stdout, /^drill kill-server: network partition \(netns veth down, then up\) of n\d, n\d \(2 of 3/m, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}partition: network \(netns veth down\)$/m);
    assert.match(r.stdout, /cleanup: stream deleted; servers all running/);
    assert.doesNotMatch(r.stdout, /^ {2}error:/m);
    const now = openCluster(dir);
    assert.deepEqual(Object.values(now.running()), [true, true, true]);
    assert.deepEqual(now.partitioned(), []);
  });

  test('... and the invariants hold: no quorum while cut off, then recovery, 0 acked missing', { todo: knownServerDefect }, (t) => {
    if (!support.ok) return t.skip(support.reason);
    assert.ok(twoRun, 'the drill above ran');
    const r = twoRun;
    assert.match(r.stdout, /quorum: no quorum while down \(0 acked while down/, r.stdout + r.stderr);
    assert.match(r.stdout, /regained after healing/, r.stdout);
    assert.match(r.stdout, /acked missing: 0;/, r.stdout);
    assert.match(r.stdout, /each server's own \/jsz agrees/, r.stdout);
    assert.match(r.stdout, /^result: PASS/m, r.stdout);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  test('stop removes every namespace, veth and bridge of the run', async (t) => {
    if (!support.ok) return t.skip(support.reason);
    assert.ok(leftBehind(prefix).length >= 4, 'the network exists before the stop');
    const c = cluster!;
    cluster = undefined;
    await c.stop({ purge: true });
    for (const s of c.servers) assert.equal(processExe(s.pid), undefined, `${s.name} pid ${s.pid} is gone`);
    assert.deepEqual(leftBehind(prefix), []);
    assert.deepEqual(hostRoutesTo(subnet), []);
  });

  test('jetkeeper up --netns --detach and jetkeeper down leave nothing behind', (t) => {
    if (!support.ok) return t.skip(support.reason);
    const d = tempDir();
    const up = jk(['up', '--netns', '--detach', '--servers', '3', '--dir', d, '--nats-server', bin, '-o', 'json']);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    const out = json(up);
    const p = out.netns.prefix as string;
    assert.match(p, /^jk-[0-9a-f]{6}-$/);
    assert.deepEqual(out.servers.map((s: { netns: string }) => s.netns), ['n1', 'n2', 'n3'].map((n) => `${p}${n}`));
    assert.deepEqual(leftBehind(p).sort(), [`link ${p}h`, `netns ${p}hub`, `netns ${p}n1`, `netns ${p}n2`, `netns ${p}n3`]);
    const down = jk(['down', '--dir', d, '--purge']);
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.deepEqual(leftBehind(p), []);
    assert.deepEqual(hostRoutesTo(out.netns.subnet), []);
  });
});
