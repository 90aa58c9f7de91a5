/**
 * `jetkeeper backup --all --selector` and `jetkeeper backup verify --local`, run as a user runs
 * them, against one real nats-server: the selector picks streams by metadata and by name, a bad
 * selector is JK7014 and writes nothing, and a backup is proven on a throwaway local server that
 * is gone afterwards while the target system never sees a scratch stream.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { clusterSettings, type LocalCluster } from '../../src/local/cluster.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { makeTempDir, startTestCluster, testServerBin } from '../helpers/servers.js';

const root = new URL('../../../', import.meta.url).pathname;
let cluster: LocalCluster;
let admin: JetStreamAdmin;

function jetkeeper(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'jetkeeper.js'), '-s', cluster.urls.join(','), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  cluster = await startTestCluster(1);
  admin = await JetStreamAdmin.connect(clusterSettings(cluster));
  const streams: [string, Record<string, string>][] = [['ORDERS', { team: 'orders' }], ['ORDERS_ARCHIVE', { team: 'orders', tier: 'cold' }], ['PAYMENTS', { team: 'payments' }], ['AUDIT', {}]];
  for (const [name, metadata] of streams) await admin.createStream({ name, subjects: [`${name.toLowerCase()}.>`], storage: 'file', num_replicas: 1, metadata });
  const js = jetstream(admin.nc);
  for (const [name] of streams) for (let i = 0; i < 20; i++) await js.publish(`${name.toLowerCase()}.x`, `${name}-${i}`);
});

after(async () => {
  await admin?.close();
  await cluster?.stop({ purge: true });
});

test('--all --selector backs up only the streams whose metadata (and name) match', () => {
  const dir = join(makeTempDir('jetkeeper-select-'), 'b');
  const r = jetkeeper('backup', '--all', '--selector', 'team=orders,!tier', dir, '-o', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['ORDERS']);
  assert.deepEqual((JSON.parse(r.stdout) as { streams: { stream: string }[] }).streams.map((s) => s.stream), ['ORDERS']);
  const byName = join(makeTempDir('jetkeeper-select-'), 'b');
  assert.equal(jetkeeper('backup', '--all', '--selector', 'name=ORDERS*', byName).status, 0);
  assert.deepEqual(readdirSync(byName).sort(), ['ORDERS', 'ORDERS_ARCHIVE']);
  const notPay = join(makeTempDir('jetkeeper-select-'), 'b');
  assert.equal(jetkeeper('backup', '--all', '--selector', 'team!=payments', notPay).status, 0);
  assert.deepEqual(readdirSync(notPay).sort(), ['AUDIT', 'ORDERS', 'ORDERS_ARCHIVE']);
});

test('a bad selector is JK7014 naming the term, and writes nothing; --selector without --all is refused', () => {
  const dir = join(makeTempDir('jetkeeper-select-'), 'b');
  const r = jetkeeper('backup', '--all', '--selector', 'team=orders,=x', dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /JK7014/);
  assert.match(r.stderr, /"=x"/);
  assert.match(r.stderr, /--selector/);
  assert.equal(existsSync(dir), false);
  const one = jetkeeper('backup', 'ORDERS', '--selector', 'team=orders', dir);
  assert.equal(one.status, 1);
  assert.match(one.stderr, /needs --all/);
});

test('backup verify --local proves the backup on a throwaway server; the target never holds a scratch stream', async () => {
  const dir = join(makeTempDir('jetkeeper-verify-local-'), 'orders');
  assert.equal(jetkeeper('backup', 'ORDERS', dir).status, 0);
  const before = (await admin.jsm.streams.names().next()).sort();
  const r = jetkeeper('backup', 'verify', dir, '--local', '--nats-server', testServerBin(), '-o', 'json');
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout) as { ok: boolean; scratch: string; checks: { name: string; ok: boolean }[] };
  assert.equal(v.ok, true, JSON.stringify(v.checks));
  assert.ok(v.checks.some((c) => /digest/.test(c.name) && c.ok), JSON.stringify(v.checks));
  assert.deepEqual((await admin.jsm.streams.names().next()).sort(), before, 'no scratch stream on the target');
  const side = JSON.parse(readFileSync(join(dir, 'jetkeeper-backup.json'), 'utf8')) as { verifications: { ok: boolean }[] };
  assert.equal(side.verifications.at(-1)?.ok, true);
  const info = jetkeeper('backup', 'info', dir);
  assert.match(info.stdout, /verified/i);
  assert.doesNotMatch(info.stdout, /never verified/i);
});
