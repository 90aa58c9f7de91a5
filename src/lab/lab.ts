/**
 * `jetkeeper lab`: the seed's hands-on lab (parts 3-6) run for real on a local cluster. It
 * starts nats-servers, applies examples/order-pipeline/order-pipeline.yaml through the library
 * (parse, validate, plan, apply), runs the example services as child processes and checks,
 * one by one, what the lab asks a learner to observe. Each check carries its evidence: what
 * the servers and the services reported, never what the lab assumed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withRetry } from '../nats/retry.js';
import { JkError, JkErrors } from '../errors.js';
import { startCluster, type LocalCluster } from '../local/cluster.js';
import { parseManifests } from '../manifests/load.js';
import { validateDocuments } from '../manifests/validate.js';
import { LabClient, type LabConsumerInfo, type LabStreamInfo } from '../nats/lab-client.js';
import { reconcile } from '../reconcile/reconcile.js';
import { jszStream, type JszStreamView } from './jsz.js';
import { Services, type ServiceEvent } from './services.js';
import { StopWaiting, waitUntil } from './wait.js';

/** The package root: `dist/src/lab/lab.js` is three levels down. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const LAB_MANIFEST = join('examples', 'order-pipeline', 'order-pipeline.yaml');
const SCRIPTS = join('dist', 'examples', 'order-pipeline');
/** the long-running services, started once; checkout runs once per batch of orders */
const SERVICES = [
  { name: 'fraud', script: 'fraud', ready: 'ready', env: {} },
  { name: 'fulfillment', script: 'fulfillment', ready: 'consuming', env: {} },
  { name: 'analytics', script: 'analytics', ready: 'consuming', env: {} },
  { name: 'pdf-worker-1', script: 'pdf-worker', ready: 'consuming', env: { WORKER_ID: 'w1' } },
  { name: 'pdf-worker-2', script: 'pdf-worker', ready: 'consuming', env: { WORKER_ID: 'w2' } },
] as const;
const WAIT_MS = 60_000;

export interface LabCheck {
  /** stable key: streams, publish-consume, subject-capture, server-failure, report, graceful-stop */
  id: string;
  name: string;
  ok: boolean;
  /** what was observed, one sentence per line */
  evidence: string[];
  /** the same observations as data */
  facts: Record<string, unknown>;
}

export interface LabOptions {
  /** nats-server binary */
  bin: string;
  /** 3 (default) or 5 */
  servers?: number;
  /** cluster dir; default a fresh temp dir */
  dir?: string;
  /** leave the cluster and services running */
  keep?: boolean;
  /** package root holding examples/ and dist/examples/ (default PACKAGE_ROOT) */
  root?: string;
  /** environment of the service processes */
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** a setup step, for progress output */
  onStep?: (text: string) => void;
  /** a check has finished */
  onCheck?: (check: LabCheck) => void;
}

export interface LabResult {
  ok: boolean;
  checks: LabCheck[];
  dir: string;
  serverVersion: string;
  natsUrl: string;
  /** with `keep`: what is still running */
  kept?: { servers: { name: string; pid: number }[]; services: { name: string; pid: number; logFile: string }[] };
}

interface Ctx {
  cluster: LocalCluster;
  client: LabClient;
  services: Services;
  signal?: AbortSignal;
  /** order ids published in this run, with their ORDERS sequence */
  orders: Map<string, number>;
  nextOrder: number;
  checkouts: number;
}

/** Runs the lab. Throws (JkError) only when the setup fails; a failed check is a result. */
export async function runLab(opts: LabOptions): Promise<LabResult> {
  const n = opts.servers ?? 3;
  if (n !== 3 && n !== 5) {
    throw new JkError('JK1016', { message: `the lab runs on 3 or 5 servers, not ${n}: its streams have 3 replicas`, fix: 'choose `servers` 3 or 5', option: 'servers' });
  }
  const { manifestFile, scriptsDir } = labFiles(opts.root ?? PACKAGE_ROOT);
  const step = opts.onStep ?? (() => {});
  // purge only a dir the lab created: never remove a directory the user already had
  const purge = opts.dir === undefined || !existsSync(opts.dir);
  const dir = resolve(opts.dir ?? mkdtempSync(join(tmpdir(), 'jetkeeper-lab-')));

  step(`starting ${n} nats-servers in ${dir}`);
  let cluster: LocalCluster;
  try {
    cluster = await startCluster({ servers: n, dir, bin: opts.bin, detached: !!opts.keep });
  } catch (e) {
    if (purge) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const natsUrl = cluster.urls.join(',');
  const services = new Services({ scriptsDir, logDir: join(dir, 'services'), natsUrl, env: opts.env ?? {}, detached: !!opts.keep });
  let client: LabClient | undefined;
  let finished = false;
  const killAll = () => {
    services.killAllSync();
    cluster.killAllSync();
  };
  process.on('exit', killAll);
  try {
    step(`nats-server ${cluster.version}: ${n} servers ready (${natsUrl})`);
    await applyManifests(manifestFile, cluster.urls, step);
    client = await LabClient.connect({ servers: cluster.urls, timeoutMs: 5_000 });

    step(`starting services: ${SERVICES.map((s) => s.name).join(', ')} (logs in ${join(dir, 'services')})`);
    await startServices(services, opts.signal);
    const orders = await retry(() => client!.streamInfo('ORDERS'));
    const ctx: Ctx = { cluster, client, services, signal: opts.signal, orders: new Map(), nextOrder: 1001 + orders.lastSeq, checkouts: 0 };
    const checks = await runChecks(ctx, opts);
    finished = true;
    const result: LabResult = { ok: checks.every((c) => c.ok), checks, dir, serverVersion: cluster.version, natsUrl };
    if (opts.keep) {
      result.kept = {
        servers: cluster.servers.map((s) => ({ name: s.name, pid: s.pid })),
        services: services.alive().map((s) => ({ name: s.name, pid: s.pid, logFile: s.logFile })),
      };
    }
    return result;
  } finally {
    await client?.close().catch(() => {});
    if (!opts.keep || !finished) {
      await Promise.all(services.alive().map((s) => services.stop(s.name, 5_000)));
      await cluster.stop({ purge });
    }
    process.off('exit', killAll);
  }
}

/** The lab's manifest and example service scripts under `root`; JK1001 when one is missing. */
function labFiles(root: string): { manifestFile: string; scriptsDir: string } {
  const manifestFile = join(root, LAB_MANIFEST);
  const scriptsDir = join(root, SCRIPTS);
  for (const f of [manifestFile, ...['checkout', 'fraud', 'fulfillment', 'analytics', 'pdf-worker'].map((s) => join(scriptsDir, `${s}.js`))]) {
    if (!existsSync(f)) {
      throw new JkError('JK1001', {
        message: `the lab needs ${f}, which does not exist`,
        fix: 'run the lab from a jetkeeper checkout after `npm run build` (it runs the example services from dist/examples)',
      });
    }
  }
  return { manifestFile, scriptsDir };
}

/** Starts the example services and waits until each says it is ready; JK4003 when one does not. */
async function startServices(services: Services, signal: AbortSignal | undefined): Promise<void> {
  for (const s of SERVICES) services.start(s.name, s.script, { env: { ...s.env } });
  try {
    await Promise.all(SERVICES.map((s) => services.waitForEvent(s.name, s.ready, { timeoutMs: WAIT_MS, signal })));
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new JkError('JK4011', {
      message: `an example service did not start: ${(e as Error).message}`,
      fix: 'run the service by hand with NATS_URL set (see examples/order-pipeline/README.md) to see why',
      cause: e,
    });
  }
}

/** Runs the checks in order; a check that throws fails with the error as evidence (an abort ends the lab). */
async function runChecks(ctx: Ctx, opts: LabOptions): Promise<LabCheck[]> {
  const checks: LabCheck[] = [];
  const run = async (id: string, name: string, body: (ev: string[], facts: Record<string, unknown>) => Promise<boolean>) => {
    const evidence: string[] = [];
    const facts: Record<string, unknown> = {};
    let ok = false;
    try {
      ok = await body(evidence, facts);
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      evidence.push(`error: ${e instanceof JkError ? e.format() : (e as Error).message}`);
      facts.error = (e as Error).message;
    }
    const check = { id, name, ok, evidence, facts };
    checks.push(check);
    opts.onCheck?.(check);
  };
  await run('streams', 'ORDERS is file-backed with 3 replicas; PDF_TASKS is a work queue', (ev, f) => checkStreams(ctx, ev, f));
  await run('publish-consume', 'two orders published by checkout are consumed and acked by fulfillment', (ev, f) => checkPublishConsume(ctx, ev, f));
  await run('subject-capture', 'inventory.adjusted is not captured by ORDERS', (ev, f) => checkSubjectCapture(ctx, ev, f));
  await run('server-failure', 'with one server killed, publish and consume go on; after its restart every replica is current', (ev, f) => checkServerFailure(ctx, ev, f));
  await run('report', 'report: every order consumed and acked, nothing pending', (ev, f) => checkReport(ctx, ev, f));
  if (!opts.keep) await run('graceful-stop', 'services drain and exit 0 on SIGTERM', (ev, f) => checkGracefulStop(ctx, ev, f));
  return checks;
}

/** parse, validate, then the reconcile core, as `jetkeeper apply` runs it. */
async function applyManifests(file: string, servers: string[], step: (s: string) => void): Promise<void> {
  const v = validateDocuments(parseManifests(readFileSync(file, 'utf8'), file));
  if (v.errors.length) throw new JkErrors(v.errors);
  const r = await reconcile({ resources: v.resources, connection: { servers, timeoutMs: 10_000 }, owner: 'default', mode: 'apply' });
  const group = r.groups[0];
  if (group?.error) throw group.error;
  if (r.refused.length) throw new JkErrors(r.refused);
  const failed = group?.outcomes.find((o) => o.result === 'failed');
  if (failed?.result === 'failed') throw failed.error;
  const applied = group?.outcomes.filter((o) => o.result === 'applied') ?? [];
  step(`applied ${LAB_MANIFEST}: ${applied.map((o) => `${o.action} ${o.key}`).join(', ') || 'no changes'}`);
}

/** Retries the transient errors of a leader election (timeouts, no responders, 10008). */
function retry<T>(fn: () => Promise<T>): Promise<T> {
  return withRetry(fn, 8);
}

function streamLine(s: LabStreamInfo): string {
  return `${s.name}: storage=${s.storage} replicas=${s.replicas} retention=${s.retention} subjects=${s.subjects.join(',')} messages=${s.messages}` +
    (s.leader ? ` leader=${s.leader}` : '');
}

function peersText(s: LabStreamInfo): string {
  const peers = s.peers.map((p) => `${p.name} ${p.offline ? 'offline' : p.current ? 'current' : `not current (lag ${p.lag})`}`);
  return `leader ${s.leader ?? 'none'}; replicas: ${peers.join(', ') || 'none reported'}`;
}

function consumerLine(c: LabConsumerInfo): string {
  return `${c.stream}/${c.name}: delivered stream seq ${c.deliveredStreamSeq}, ack floor ${c.ackFloorStreamSeq}, ` +
    `num_pending ${c.numPending}, num_ack_pending ${c.numAckPending}, redelivered ${c.numRedelivered}`;
}

function consumerFacts(c: LabConsumerInfo): Record<string, unknown> {
  const { deliveredStreamSeq, ackFloorStreamSeq, numPending, numAckPending, numRedelivered } = c;
  return { deliveredStreamSeq, ackFloorStreamSeq, numPending, numAckPending, numRedelivered };
}

/** Runs checkout for `count` new orders and waits for it to exit; returns the published events. */
async function placeOrders(ctx: Ctx, count: number): Promise<{ name: string; ids: string[]; published: ServiceEvent[]; code: number | null }> {
  const start = ctx.nextOrder;
  ctx.nextOrder += count;
  const name = `checkout-${++ctx.checkouts}`;
  const ids = Array.from({ length: count }, (_, i) => `ord-${start + i}`);
  ctx.services.start(name, 'checkout', { args: ['--count', String(count), '--rate', '0', '--prefix', 'ord-', '--start', String(start)] });
  const exit = await ctx.services.waitExit(name, 2 * WAIT_MS, ctx.signal);
  if (!exit) await ctx.services.stop(name, 2_000);
  const published = ctx.services.events(name, 'published').filter((e) => ids.includes(String(e.id)));
  for (const e of published) ctx.orders.set(String(e.id), Number(e.seq));
  return { name, ids, published, code: exit?.code ?? null };
}

function publishedText(published: ServiceEvent[]): string {
  return published.map((e) => `${e.id} → ORDERS seq ${e.seq}${e.duplicate ? ' (duplicate)' : ''}${Number(e.attempts) > 1 ? ` after ${e.attempts} attempts` : ''}`).join(', ');
}

/** Waits until `service` logged `processed` for every id; returns those events (first per id). */
async function waitProcessed(ctx: Ctx, service: string, ids: string[]): Promise<ServiceEvent[]> {
  return waitUntil((note) => {
    const seen = new Map<string, ServiceEvent>();
    for (const e of ctx.services.events(service, 'processed')) if (!seen.has(String(e.id))) seen.set(String(e.id), e);
    const missing = ids.filter((id) => !seen.has(id));
    if (missing.length === 0) return ids.map((id) => seen.get(id)!);
    const exit = ctx.services.exitOf(service);
    if (exit) throw new StopWaiting(`${service} exited (${exit.signal ?? `code ${exit.code}`}) before processing ${missing.join(', ')}: ${ctx.services.logTail(service, 3).join(' | ')}`);
    note(`${service} has not processed ${missing.join(', ')}`);
    return undefined;
  }, { what: `${service} to process ${ids.join(', ')}`, timeoutMs: WAIT_MS, signal: ctx.signal });
}

function processedText(events: ServiceEvent[]): string {
  return events.map((e) => `${e.id} (seq ${e.seq}, redelivered=${e.redelivered})`).join(', ');
}

// --- 1. part 3: the streams are what was reviewed -------------------------------------------

async function checkStreams(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const orders = await retry(() => ctx.client.streamInfo('ORDERS'));
  const pdf = await retry(() => ctx.client.streamInfo('PDF_TASKS'));
  const consumers = await Promise.all([
    retry(() => ctx.client.consumerInfo('ORDERS', 'fulfillment-created')),
    retry(() => ctx.client.consumerInfo('ORDERS', 'analytics-created')),
    retry(() => ctx.client.consumerInfo('PDF_TASKS', 'pdf-workers')),
  ]);
  ev.push(streamLine(orders), streamLine(pdf));
  for (const c of consumers) ev.push(`consumer ${c.stream}/${c.name}: ack=${c.ackPolicy}${c.filterSubject ? ` filter=${c.filterSubject}` : ''}`);
  const pick = (s: LabStreamInfo) => ({ storage: s.storage, replicas: s.replicas, retention: s.retention, subjects: s.subjects, leader: s.leader });
  facts.ORDERS = pick(orders);
  facts.PDF_TASKS = pick(pdf);
  facts.consumers = consumers.map((c) => ({ stream: c.stream, name: c.name, ackPolicy: c.ackPolicy, filterSubject: c.filterSubject }));
  return orders.storage === 'file' && orders.replicas === 3 && orders.retention === 'limits' &&
    pdf.retention === 'workqueue' && pdf.storage === 'file' && pdf.replicas === 3 &&
    consumers.every((c) => c.ackPolicy === 'explicit');
}

// --- 2. part 4: publish and consume ---------------------------------------------------------

async function checkPublishConsume(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const co = await placeOrders(ctx, 2);
  const fraud = ctx.services.events('fraud', 'checked').filter((e) => co.ids.includes(String(e.id)));
  ev.push(`fraud answered fraud.check (Core NATS request/reply) for ${fraud.map((e) => `${e.id}: approved=${e.approved} score=${e.score}`).join(', ') || 'nothing'}`);
  ev.push(`${co.name} (exit ${co.code}) published ${publishedText(co.published) || 'nothing'}`);
  if (co.published.length !== co.ids.length) {
    ev.push(...ctx.services.logTail(co.name, 4).map((l) => `${co.name}: ${l}`));
    return false;
  }
  const processed = await waitProcessed(ctx, 'fulfillment', co.ids);
  ev.push(`fulfillment processed and acked ${processedText(processed)}`);
  const lastSeq = Math.max(...co.published.map((e) => Number(e.seq)));
  const consumer = await waitUntil(async (note) => {
    const c = await ctx.client.consumerInfo('ORDERS', 'fulfillment-created');
    note(consumerLine(c));
    return c.ackFloorStreamSeq >= lastSeq && c.numAckPending === 0 && c.numPending === 0 ? c : undefined;
  }, { what: 'fulfillment-created to ack every order', timeoutMs: WAIT_MS, signal: ctx.signal });
  ev.push(`consumer ${consumerLine(consumer)}`);
  facts.published = co.published.map((e) => ({ id: e.id, seq: e.seq, duplicate: e.duplicate, fraudFallback: e.fraud_fallback }));
  facts.fraud = fraud.map((e) => ({ id: e.id, approved: e.approved, score: e.score }));
  facts.processed = processed.map((e) => ({ id: e.id, seq: e.seq, redelivered: e.redelivered }));
  facts.consumer = consumerFacts(consumer);
  return co.code === 0 && co.published.length === 2 && co.published.every((e) => e.duplicate === false && e.fraud_fallback === false);
}

// --- 3. part 4, negative test: a subject outside the stream ---------------------------------

async function checkSubjectCapture(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const subject = 'inventory.adjusted';
  const payload = { sku: 'sku-7', delta: -1 };
  const before = await retry(() => ctx.client.streamInfo('ORDERS'));
  const capturing = await retry(() => ctx.client.streamsCapturing(subject));
  const ordersCapturing = await retry(() => ctx.client.streamsCapturing('orders.created'));
  await ctx.client.publishCore(subject, payload);
  const js = await ctx.client.publishOnce(subject, payload, { timeoutMs: 2_000 });
  const after = await retry(() => ctx.client.streamInfo('ORDERS'));
  ev.push(`streams capturing ${subject}: ${capturing.join(', ') || 'none'} (orders.created: ${ordersCapturing.join(', ') || 'none'})`);
  ev.push(`Core NATS publish of ${subject} ${JSON.stringify(payload)}: sent and flushed`);
  ev.push(`JetStream publish of ${subject}: ${js.stored ? `stored in ${js.stream} seq ${js.seq}` : `no PubAck, ${js.error}`}`);
  ev.push(`ORDERS messages ${before.messages} → ${after.messages}, last seq ${before.lastSeq} → ${after.lastSeq}`);
  facts.capturing = capturing;
  facts.ordersCreatedCapturedBy = ordersCapturing;
  facts.jetstream = js;
  facts.before = { messages: before.messages, lastSeq: before.lastSeq };
  facts.after = { messages: after.messages, lastSeq: after.lastSeq };
  return capturing.length === 0 && !js.stored && after.messages === before.messages && after.lastSeq === before.lastSeq &&
    ordersCapturing.includes('ORDERS');
}

// --- 4. part 5: one server down -------------------------------------------------------------

async function checkServerFailure(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const { cluster, client } = ctx;
  const before = await retry(() => client.streamInfo('ORDERS'));
  const victim = before.leader ?? cluster.servers[0]!.name;
  const oldPid = cluster.server(victim).pid;
  const killedAt = new Date().toISOString();
  await cluster.killServer(victim, 'SIGKILL');
  ev.push(`killed ${victim} (pid ${oldPid})${before.leader === victim ? ', the ORDERS stream leader,' : ''} with SIGKILL; ` +
    `${cluster.servers.length - 1} of ${cluster.servers.length} servers left`);
  facts.killed = { server: victim, pid: oldPid, wasLeader: before.leader === victim };

  const outage = async () => {
    const co = await placeOrders(ctx, 2);
    ev.push(`while ${victim} was down, ${co.name} (exit ${co.code}) published ${publishedText(co.published) || 'nothing'}`);
    const retries = ctx.services.events(co.name, 'publish-retry').length;
    if (retries) ev.push(`checkout retried ${retries} time(s) with the same msg ID through the leader election`);
    if (co.published.length !== co.ids.length) throw new Error(`${co.name} did not publish every order: ${ctx.services.logTail(co.name, 3).join(' | ')}`);
    const processed = await waitProcessed(ctx, 'fulfillment', co.ids);
    ev.push(`while ${victim} was down, fulfillment processed and acked ${processedText(processed)}`);
    const moved = SERVICES.flatMap((s) => ctx.services.events(s.name, 'reconnect').filter((e) => String(e.ts) >= killedAt).map((e) => `${s.name} → ${e.server}`));
    if (moved.length) ev.push(`clients that were on ${victim} reconnected: ${moved.join(', ')}`);
    const during = await retry(() => client.streamInfo('ORDERS'));
    ev.push(`stream info with ${victim} down: ${peersText(during)}`);
    return { co, retries, processed, during };
  };
  let seen: Awaited<ReturnType<typeof outage>>;
  try {
    seen = await outage();
  } catch (e) {
    // leave the cluster whole for the checks that follow
    await cluster.restartServer(victim).catch(() => {});
    throw e;
  }
  const { co, retries, processed, during } = seen;

  const { healed, views } = await restartAndHeal(ctx, victim, ev);

  facts.published = co.published.map((e) => ({ id: e.id, seq: e.seq, attempts: e.attempts, duplicate: e.duplicate }));
  facts.publishRetries = retries;
  facts.processed = processed.map((e) => ({ id: e.id, seq: e.seq, redelivered: e.redelivered }));
  facts.during = { leader: during.leader, peers: during.peers };
  facts.after = { leader: healed.leader, peers: healed.peers, lastSeq: healed.lastSeq, messages: healed.messages };
  facts.jsz = Object.fromEntries(views.map(([m, v]) => [m, v]));
  return co.code === 0 && co.published.length === 2 && co.published.every((e) => e.duplicate === false);
}

/** Restarts `victim`, then waits until every ORDERS replica is current, in the leader's view and in each replica's own /jsz. */
async function restartAndHeal(ctx: Ctx, victim: string, ev: string[]): Promise<{ healed: LabStreamInfo; views: (readonly [string, JszStreamView])[] }> {
  const { cluster, client } = ctx;
  const t0 = Date.now();
  await cluster.restartServer(victim);
  ev.push(`restarted ${victim} (pid ${cluster.server(victim).pid}), ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  const healed = await waitUntil(async (note) => {
    const s = await client.streamInfo('ORDERS');
    note(peersText(s));
    const healthy = s.leader !== undefined && s.peers.length === s.replicas - 1 && s.peers.every((p) => p.current && !p.offline);
    return healthy ? s : undefined;
  }, { what: 'every ORDERS replica to be current', timeoutMs: WAIT_MS, signal: ctx.signal });
  ev.push(`stream info after the restart: ${peersText(healed)}`);
  const members = [healed.leader!, ...healed.peers.map((p) => p.name)];
  const views = await waitUntil(async (note) => {
    const vs = await Promise.all(members.map(async (m) => [m, await jszStream(cluster.server(m).monitorUrl, 'ORDERS')] as const));
    note(vs.map(([m, v]) => `${m}: ${v ? `last seq ${v.lastSeq}` : 'no ORDERS'}`).join(', '));
    const caughtUp = vs.every(([, v]) => v && v.lastSeq === healed.lastSeq && v.messages === healed.messages);
    return caughtUp ? (vs as (readonly [string, JszStreamView])[]) : undefined;
  }, { what: `every replica's own /jsz to hold ORDERS up to seq ${healed.lastSeq}`, timeoutMs: WAIT_MS, signal: ctx.signal });
  for (const [m, v] of views) ev.push(`${m} /jsz (its own store): ORDERS messages ${v.messages}, last seq ${v.lastSeq}, leader ${v.leader ?? '?'}`);
  return { healed, views };
}

// --- 5. part 6: the report ------------------------------------------------------------------

async function checkReport(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const ids = [...ctx.orders.keys()];
  const [fulfilled, analysed, rendered] = await Promise.all([
    waitProcessed(ctx, 'fulfillment', ids),
    waitProcessed(ctx, 'analytics', ids),
    waitUntil((note) => {
      const done = new Set(['pdf-worker-1', 'pdf-worker-2'].flatMap((w) => ctx.services.events(w, 'processed').map((e) => String(e.order_id))));
      const missing = ids.filter((id) => !done.has(id));
      note(`no PDF yet for ${missing.join(', ')}`);
      return missing.length === 0 ? done : undefined;
    }, { what: 'the pdf-workers to render an invoice per order', timeoutMs: WAIT_MS, signal: ctx.signal }),
  ]);
  const drained = await waitUntil(async (note) => {
    const cs = await Promise.all([
      ctx.client.consumerInfo('ORDERS', 'fulfillment-created'),
      ctx.client.consumerInfo('ORDERS', 'analytics-created'),
      ctx.client.consumerInfo('PDF_TASKS', 'pdf-workers'),
    ]);
    const pdf = await ctx.client.streamInfo('PDF_TASKS');
    note(`${cs.map(consumerLine).join('; ')}; PDF_TASKS messages ${pdf.messages}`);
    return cs.every((c) => c.numPending === 0 && c.numAckPending === 0) && pdf.messages === 0 ? cs : undefined;
  }, { what: 'every consumer to have nothing pending', timeoutMs: WAIT_MS, signal: ctx.signal });
  const orders = await retry(() => ctx.client.streamInfo('ORDERS'));
  const pdf = await retry(() => ctx.client.streamInfo('PDF_TASKS'));
  ev.push(`stream ORDERS: messages ${orders.messages}, first seq ${orders.firstSeq}, last seq ${orders.lastSeq}, consumers ${orders.consumerCount}`);
  ev.push(`stream PDF_TASKS: messages ${pdf.messages} (work queue: acked tasks are deleted), last seq ${pdf.lastSeq}`);
  for (const c of drained) ev.push(`consumer ${consumerLine(c)}`);
  const perWorker = ['pdf-worker-1', 'pdf-worker-2'].map((w) => `${w} ${ctx.services.events(w, 'processed').length}`);
  ev.push(`this run: ${ids.length} orders published (${ids.join(', ')}); fulfillment processed ${fulfilled.length}, analytics ${analysed.length}, ` +
    `invoices rendered ${rendered.size} (${perWorker.join(', ')})`);
  facts.streams = {
    ORDERS: { messages: orders.messages, firstSeq: orders.firstSeq, lastSeq: orders.lastSeq, consumers: orders.consumerCount },
    PDF_TASKS: { messages: pdf.messages, lastSeq: pdf.lastSeq, consumers: pdf.consumerCount },
  };
  facts.consumers = Object.fromEntries(drained.map((c) => [`${c.stream}/${c.name}`, consumerFacts(c)]));
  facts.orders = ids.length;
  facts.processed = { fulfillment: fulfilled.length, analytics: analysed.length, invoices: rendered.size };
  return fulfilled.length === ids.length && analysed.length === ids.length && pdf.messages === 0;
}

// --- 6. the services stop cleanly -----------------------------------------------------------

async function checkGracefulStop(ctx: Ctx, ev: string[], facts: Record<string, unknown>): Promise<boolean> {
  const stops = await Promise.all(SERVICES.map(async (s) => ({ name: s.name, ...(await ctx.services.stop(s.name, 10_000)) })));
  for (const s of stops) {
    const said = ctx.services.events(s.name, 'stopped').length > 0;
    const how = s.alreadyExited ? `had already exited (${s.code ?? s.signal})`
      : s.killed ? `SIGTERM → did not stop within 10 s, SIGKILLed`
      : `SIGTERM → exit ${s.code ?? s.signal} after ${s.ms} ms${said ? ', logged "stopped"' : ''}`;
    ev.push(`${s.name}: ${how}`);
  }
  const cs = await Promise.all([
    retry(() => ctx.client.consumerInfo('ORDERS', 'fulfillment-created')),
    retry(() => ctx.client.consumerInfo('ORDERS', 'analytics-created')),
    retry(() => ctx.client.consumerInfo('PDF_TASKS', 'pdf-workers')),
  ]);
  ev.push(`after the stop: ${cs.map((c) => `${c.name} num_ack_pending ${c.numAckPending}`).join(', ')}`);
  facts.services = stops.map((s) => ({ name: s.name, code: s.code, signal: s.signal, killed: s.killed, alreadyExited: s.alreadyExited }));
  facts.ackPending = Object.fromEntries(cs.map((c) => [`${c.stream}/${c.name}`, c.numAckPending]));
  return stops.every((s) => s.code === 0 && !s.killed && !s.alreadyExited) && cs.every((c) => c.numAckPending === 0);
}

/** The text form of one check, as `jetkeeper lab` prints it. */
export function renderCheck(c: LabCheck, index: number): string {
  return [`${c.ok ? 'PASS' : 'FAIL'}  ${index + 1}. ${c.name}`, ...c.evidence.map((e) => `      ${e}`)].join('\n');
}
