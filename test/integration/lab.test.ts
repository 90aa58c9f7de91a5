/**
 * `jetkeeper lab` and the order-pipeline example services against real nats-servers:
 * the lab runs green through the CLI process, with the evidence each check reports; and a
 * fulfillment worker stopped with SIGTERM in the middle of a backlog loses no order and
 * processes none twice, across it and the worker that takes over.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { applyPlan } from '../../src/apply/apply.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { plan } from '../../src/plan/plan.js';
import { startTestCluster, testServerBin } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');
const services = join(root, 'dist', 'examples', 'order-pipeline');
const manifest = join(root, 'examples', 'order-pipeline', 'order-pipeline.yaml');

interface Event { service: string; event: string; id?: string; seq?: number; redelivered?: boolean; [k: string]: unknown }
interface Check { id: string; name: string; ok: boolean; evidence: string[]; facts: Record<string, any> }

function jsonLines(text: string): Event[] {
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Event);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('jetkeeper lab', () => {
  test('runs green on a 3-server cluster through the CLI, each check with its evidence', () => {
    const r = spawnSync(process.execPath, [bin, 'lab', '-o', 'json', '--nats-server', testServerBin()], {
      encoding: 'utf8',
      env: { ...process.env, NATS_URL: '' },
      timeout: 300_000,
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { ok: boolean; checks: Check[]; dir: string };
    assert.equal(out.ok, true);
    assert.deepEqual(out.checks.map((c) => c.id), ['streams', 'publish-consume', 'subject-capture', 'server-failure', 'report', 'graceful-stop']);
    for (const c of out.checks) {
      assert.equal(c.ok, true, `${c.name}:\n${c.evidence.join('\n')}`);
      assert.ok(c.evidence.length > 0, c.id);
    }
    const [streams, pubsub, capture, failure, report, stop] = out.checks as [Check, Check, Check, Check, Check, Check];

    // part 3: the streams are what the manifests say
    assert.deepEqual(
      { ...streams.facts.ORDERS, leader: undefined },
      { storage: 'file', replicas: 3, retention: 'limits', subjects: ['orders.created', 'orders.paid', 'orders.cancelled'], leader: undefined },
    );
    assert.equal(streams.facts.PDF_TASKS.retention, 'workqueue');
    assert.equal(streams.facts.PDF_TASKS.replicas, 3);
    assert.deepEqual(streams.facts.consumers.map((c: { name: string; ackPolicy: string }) => `${c.name}:${c.ackPolicy}`),
      ['fulfillment-created:explicit', 'analytics-created:explicit', 'pdf-workers:explicit']);

    // part 4: two orders, stored, consumed and acked
    assert.deepEqual(pubsub.facts.published.map((p: Event) => [p.id, p.seq, p.duplicate, p.fraudFallback]), [['ord-1001', 1, false, false], ['ord-1002', 2, false, false]]);
    assert.deepEqual(pubsub.facts.fraud.map((f: Event) => f.approved), [true, true]);
    assert.deepEqual(pubsub.facts.processed.map((p: Event) => [p.id, p.seq]), [['ord-1001', 1], ['ord-1002', 2]]);
    assert.deepEqual(pubsub.facts.consumer, { deliveredStreamSeq: 2, ackFloorStreamSeq: 2, numPending: 0, numAckPending: 0, numRedelivered: 0 });

    // part 4, negative: inventory.adjusted is nobody's
    assert.deepEqual(capture.facts.capturing, []);
    assert.deepEqual(capture.facts.ordersCreatedCapturedBy, ['ORDERS']);
    assert.equal(capture.facts.jetstream.stored, false);
    assert.match(capture.facts.jetstream.error, /no responders|not enabled/i);
    assert.deepEqual(capture.facts.before, { messages: 2, lastSeq: 2 });
    assert.deepEqual(capture.facts.after, { messages: 2, lastSeq: 2 });

    // part 5: the stream leader killed; publish and consume go on; every replica current after the restart
    assert.equal(failure.facts.killed.wasLeader, true);
    assert.deepEqual(failure.facts.published.map((p: Event) => [p.id, p.seq, p.duplicate]), [['ord-1003', 3, false], ['ord-1004', 4, false]]);
    assert.deepEqual(failure.facts.processed.map((p: Event) => p.id), ['ord-1003', 'ord-1004']);
    assert.equal(failure.facts.after.peers.length, 2);
    for (const p of failure.facts.after.peers) assert.deepEqual([p.current, p.offline], [true, false], p.name);
    assert.ok(failure.facts.after.peers.some((p: { name: string }) => p.name === failure.facts.killed.server), 'the restarted server is a current replica again');
    assert.deepEqual(Object.keys(failure.facts.jsz).sort(), ['n1', 'n2', 'n3']);
    for (const [server, v] of Object.entries(failure.facts.jsz as Record<string, { messages: number; lastSeq: number }>)) {
      assert.deepEqual([v.messages, v.lastSeq], [4, 4], `${server}'s own view of ORDERS`);
    }

    // part 6: the numbers
    assert.deepEqual(report.facts.streams.ORDERS, { messages: 4, firstSeq: 1, lastSeq: 4, consumers: 2 });
    assert.equal(report.facts.streams.PDF_TASKS.messages, 0);
    for (const [key, c] of Object.entries(report.facts.consumers as Record<string, { numPending: number; numAckPending: number; ackFloorStreamSeq: number }>)) {
      assert.deepEqual([c.numPending, c.numAckPending, c.ackFloorStreamSeq], [0, 0, 4], key);
    }
    assert.deepEqual(report.facts.processed, { fulfillment: 4, analytics: 4, invoices: 4 });

    // the services drained and exited 0; the lab removed its temp dir
    assert.deepEqual(stop.facts.services.map((s: { name: string; code: number }) => `${s.name}:${s.code}`),
      ['fraud:0', 'fulfillment:0', 'analytics:0', 'pdf-worker-1:0', 'pdf-worker-2:0']);
    assert.equal(existsSync(out.dir), false);
  });
});

/** One example service as a child process, its stdout parsed line by line. */
class Service {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #out = '';

  constructor(script: string, env: Record<string, string | undefined>) {
    this.child = spawn(process.execPath, [join(services, `${script}.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.#out += d.toString('utf8')));
    this.child.stderr!.on('data', (d: Buffer) => (this.#out += d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  events(event: string): Event[] {
    return jsonLines(this.#out).filter((e) => e.event === event);
  }

  get output(): string {
    return this.#out;
  }
}

describe('fulfillment stopped with SIGTERM mid-stream', () => {
  let cluster: LocalCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const running: Service[] = [];

  before(async () => {
    cluster = await startTestCluster(3);
    const v = validateDocuments(parseManifests(readFileSync(manifest, 'utf8'), manifest));
    assert.deepEqual(v.errors, []);
    const admin = await JetStreamAdmin.connect({ servers: cluster.urls });
    try {
      const r = await applyPlan(plan(v.resources, await admin.readLive(), { owner: 'test', prune: false }), admin);
      assert.equal(r.ok, true);
    } finally {
      await admin.close();
    }
    nc = await connect({ servers: cluster.urls });
    jsm = await jetstreamManager(nc);
  });

  after(async () => {
    for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await nc?.close();
    await cluster?.stop({ purge: true });
  });

  test('loses no order and processes none twice across the stopped worker and the next one', async () => {
    const env = { ...process.env, NATS_URL: cluster.urls.join(',') };
    // 300 orders, as fast as PubAcks come; no fraud service runs, so checkout uses its fallback
    const co = spawnSync(process.execPath, [join(services, 'checkout.js'), '--count', '300', '--rate', '0', '--prefix', 'sig-', '--start', '1'], {
      encoding: 'utf8', env, timeout: 180_000,
    });
    assert.equal(co.status, 0, co.stdout.slice(-2000) + co.stderr);
    const published = jsonLines(co.stdout).filter((e) => e.event === 'published');
    assert.equal(published.length, 300);
    assert.equal(published.every((e) => e.duplicate === false), true);
    const ids = published.map((e) => String(e.id));
    assert.equal(new Set(ids).size, 300);

    const first = new Service('fulfillment', env);
    running.push(first);
    await waitFor('the first fulfillment to process 60 orders', () => (first.events('processed').length >= 60 ? true : undefined), 120_000);
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output.slice(-2000));
    assert.equal(first.events('stopped').length, 1);
    const firstDone = first.events('processed').length;
    assert.ok(firstDone < 300, `SIGTERM came after all ${firstDone} orders were processed: not mid-stream`);

    const second = new Service('fulfillment', env);
    running.push(second);
    // a message the server sent just as the first worker stopped comes back after ackWait (30s)
    const info = await waitFor('fulfillment-created to have nothing pending or unacked', async () => {
      const ci = await jsm.consumers.info('ORDERS', 'fulfillment-created');
      return ci.num_pending === 0 && ci.num_ack_pending === 0 ? ci : undefined;
    }, 120_000);
    assert.equal(info.ack_floor.stream_seq, 300);
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0, second.output.slice(-2000));

    const processed = [...first.events('processed'), ...second.events('processed')].map((e) => String(e.id));
    const counts = new Map<string, number>();
    for (const id of processed) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual(ids.filter((id) => !counts.has(id)), [], 'orders never processed');
    assert.deepEqual([...counts].filter(([, n]) => n > 1), [], 'orders processed more than once');
    assert.equal(processed.length, 300);
    assert.equal(second.events('processed').length, 300 - firstDone);
  });
});
