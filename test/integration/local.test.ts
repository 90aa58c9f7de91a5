/**
 * Real local clusters: start 1- and 3-server clusters, check them through the monitor endpoints,
 * kill and restart a server, stop them. Runs against whatever testServerBin() picks
 * (JETKEEPER_TEST_NATS_SERVER=<cache>/debian/nats-server for Debian's 2.9.10).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JkError } from '../../src/errors.js';
import { findNatsServer, serverVersion } from '../../src/local/binary.js';
import {
  contextFile,
  isOurServer,
  readClusterState,
  startCluster,
  stopCluster,
  type LocalCluster,
  type ServerState,
} from '../../src/local/cluster.js';
import { makeTempDir, startTestCluster, testServerBin } from '../helpers/servers.js';
import { eventually, mon } from '../helpers/monitor.js';

interface Varz {
  server_name: string;
  version: string;
}
interface Jsz {
  config?: unknown;
  meta_cluster?: { leader?: string; cluster_size?: number };
}
interface Routez {
  num_routes: number;
  routes: { remote_id: string }[];
}

/** The meta leader every one of `servers` agrees on, once they do and it is not `notLeader`. */
function agreedLeader(servers: readonly ServerState[], notLeader?: string): Promise<string> {
  return eventually(`a meta leader agreed by ${servers.map((s) => s.name).join(', ')}`, async () => {
    const leaders = await Promise.all(servers.map(async (s) => (await mon<Jsz>(s, '/jsz')).meta_cluster?.leader ?? ''));
    const first = leaders[0];
    return first && first !== notLeader && leaders.every((l) => l === first) ? first : undefined;
  });
}

function isJk(code: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof JkError, `expected JkError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.fix, 'has a fix');
    if (pattern) assert.match(e.message, pattern);
    return true;
  };
}

function minor(version: string): [number, number] {
  const [maj, min] = version.split('.').map(Number);
  return [maj ?? 0, min ?? 0];
}

const bin = testServerBin();
const version = serverVersion(bin);

describe(`local cluster (nats-server ${version} at ${bin})`, () => {
  let three: LocalCluster;

  before(async () => {
    three = await startTestCluster(3);
  });
  after(async () => {
    await three?.stop({ purge: true });
  });

  test('1-server cluster: starts, answers as n1 with JetStream, stops and purges', async () => {
    const one = await startTestCluster(1);
    try {
      assert.equal(one.servers.length, 1);
      const [s] = one.servers as [ServerState];
      assert.equal(s.routePort, null);
      const varz = await mon<Varz>(s, '/varz');
      assert.equal(varz.server_name, 'n1');
      assert.equal(varz.version, version);
      assert.notEqual((await mon<Jsz>(s, '/jsz')).config, undefined, 'JetStream enabled');
      assert.equal((await mon<Routez>(s, '/routez')).num_routes, 0);

      const state = readClusterState(one.dir);
      assert.deepEqual(state.servers, one.servers);
      assert.equal(state.version, version);
      assert.equal(state.bin, bin);
      assert.ok(isOurServer(s.pid, s.configFile));
      const ctx = JSON.parse(readFileSync(contextFile(one.dir), 'utf8')) as { url: string };
      assert.equal(ctx.url, s.clientUrl);
      assert.match(readFileSync(s.configFile, 'utf8'), /store_dir: ".*\/n1\/js"/);
    } finally {
      await one.stop({ purge: true });
    }
    for (const s of one.servers) assert.equal(isOurServer(s.pid, s.configFile), false, `${s.name} pid ${s.pid} is gone`);
    assert.equal(existsSync(one.dir), false, 'purged');
  });

  test('3-server cluster: names, one meta leader, full mesh of routes', async () => {
    assert.equal(three.urls.length, 3);
    assert.deepEqual(
      await Promise.all(three.servers.map(async (s) => (await mon<Varz>(s, '/varz')).server_name)),
      ['n1', 'n2', 'n3'],
    );
    const leader = await agreedLeader(three.servers);
    assert.ok(['n1', 'n2', 'n3'].includes(leader));
    for (const s of three.servers) {
      const jsz = await mon<Jsz>(s, '/jsz');
      assert.equal(jsz.meta_cluster?.cluster_size, 3, `${s.name} meta cluster size`);
      const routez = await mon<Routez>(s, '/routez');
      // 2.10+ pools routes (several connections per peer), so count distinct peers; before 2.10 it is one each.
      assert.equal(new Set(routez.routes.map((r) => r.remote_id)).size, 2, `${s.name} routes to the other two`);
      const [maj, min] = minor(version);
      if (maj === 2 && min < 10) assert.equal(routez.num_routes, 2, `${s.name} num_routes`);
      else assert.ok(routez.num_routes >= 2, `${s.name} num_routes ${routez.num_routes}`);
    }
    const state = readClusterState(three.dir);
    assert.equal(state.name, 'jetkeeper');
    assert.deepEqual(
      state.servers.map((s) => s.name),
      ['n1', 'n2', 'n3'],
    );
    const ctx = JSON.parse(readFileSync(contextFile(three.dir), 'utf8')) as { url: string; description: string };
    assert.equal(ctx.url, three.urls.join(','));
  });

  test('starting again in a running cluster dir is JK4005', async () => {
    await assert.rejects(startCluster({ servers: 3, dir: three.dir, bin }), isJk('JK4005', /already running/));
    assert.ok(existsSync(join(three.dir, 'cluster.json')), 'state of the running cluster kept');
  });

  test('killing the meta leader: the other two elect one; restart brings it back', async (t) => {
    const leader = await agreedLeader(three.servers);
    const victim = three.server(leader);
    const oldPid = victim.pid;
    await three.killServer(leader);
    assert.equal(isOurServer(oldPid, victim.configFile), false, 'killed');
    assert.deepEqual(three.running(), { n1: leader !== 'n1', n2: leader !== 'n2', n3: leader !== 'n3' });

    const rest = three.servers.filter((s) => s.name !== leader);
    const t0 = Date.now();
    const next = await agreedLeader(rest, leader);
    assert.ok(rest.some((s) => s.name === next), `new leader ${next} is one of the two left`);
    t.diagnostic(`meta leader failover ${leader} -> ${next} took ${Date.now() - t0}ms`);

    await three.restartServer(leader);
    assert.notEqual(three.server(leader).pid, oldPid);
    assert.ok(isOurServer(three.server(leader).pid, victim.configFile));
    assert.equal(readClusterState(three.dir).servers.find((s) => s.name === leader)?.pid, three.server(leader).pid);
    await agreedLeader(three.servers);
    await eventually('routes back to a full mesh', async () => {
      const peers = await Promise.all(
        three.servers.map(async (s) => new Set((await mon<Routez>(s, '/routez')).routes.map((r) => r.remote_id)).size),
      );
      return peers.every((p) => p === 2) ? true : undefined;
    });
  });

  test('stop: pids gone, state removed; purge removes the dir; a second stop is JK4004', async () => {
    const pids = three.servers.map((s) => ({ ...s }));
    await stopCluster(three.dir);
    for (const s of pids) assert.equal(isOurServer(s.pid, s.configFile), false, `${s.name} pid ${s.pid} is gone`);
    assert.equal(existsSync(join(three.dir, 'cluster.json')), false);
    assert.equal(existsSync(contextFile(three.dir)), false);
    assert.ok(existsSync(join(three.dir, 'n1', 'server.log')), 'logs kept without purge');
    await assert.rejects(stopCluster(three.dir), isJk('JK4004', /no local cluster/));
    await three.stop({ purge: true });
    assert.equal(existsSync(three.dir), false, 'purged');
  });

  test('busy client port is JK4002 naming the port; nothing is left running', async () => {
    const holder: Server = await new Promise((res, rej) => {
      const srv = createServer();
      srv.once('error', rej);
      srv.listen(0, '127.0.0.1', () => res(srv));
    });
    try {
      const addr = holder.address();
      assert.ok(addr && typeof addr === 'object');
      const dir = makeTempDir();
      await assert.rejects(
        startCluster({ servers: 1, dir, bin, clientPortBase: addr.port }),
        isJk('JK4002', new RegExp(`127\\.0\\.0\\.1:${addr.port}\\b`)),
      );
      assert.equal(existsSync(join(dir, 'cluster.json')), false);
      await assert.rejects(stopCluster(dir), isJk('JK4004'));
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
  });

  test('a server that exits at once is JK4008 with the tail of its log; nothing is left behind', async () => {
    const dir = makeTempDir();
    const fake = join(dir, 'fake-nats-server');
    writeFileSync(
      fake,
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "nats-server: v2.15.2"; exit 0; fi\necho "fatal: jetkeeper test failure" >&2\nexit 1\n',
    );
    chmodSync(fake, 0o755);
    const cdir = join(dir, 'c');
    await assert.rejects(
      startCluster({ servers: 3, dir: cdir, bin: fake, readyTimeoutMs: 10_000 }),
      isJk('JK4008', /exited with code 1[\s\S]*fatal: jetkeeper test failure/),
    );
    assert.equal(existsSync(join(cdir, 'cluster.json')), false);
  });

  test('missing binary is JK4001 naming what was searched', async () => {
    const empty = makeTempDir();
    mkdirSync(join(empty, 'bin'));
    assert.throws(() => findNatsServer({ cacheDir: empty, pathEnv: join(empty, 'bin') }), (e: unknown) => {
      isJk('JK4001')(e);
      const err = e as JkError;
      assert.ok(err.message.includes(join(empty, 'bin', 'nats-server')), err.message);
      assert.ok(err.message.includes('PATH'), err.message);
      assert.match(err.fix ?? '', /install-nats\.mjs/);
      assert.match(err.fix ?? '', /`natsServer`/);
      return true;
    });
    const missing = join(empty, 'no-such-nats-server');
    assert.throws(() => findNatsServer({ explicit: missing, cacheDir: empty }), isJk('JK4001', /`natsServer`/));
    assert.throws(() => findNatsServer({ envPath: missing, cacheDir: empty }), isJk('JK4001', /JETKEEPER_NATS_SERVER/));
    await assert.rejects(startCluster({ servers: 1, dir: join(empty, 'c'), bin: missing }), isJk('JK4001'));
    // the lookup order: explicit beats env beats cache beats PATH
    assert.equal(findNatsServer({ explicit: bin, envPath: missing, cacheDir: empty }), bin);
  });
});
