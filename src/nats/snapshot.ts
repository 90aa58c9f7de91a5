/**
 * The JetStream snapshot and restore wire protocol (`$JS.API.STREAM.SNAPSHOT.<stream>`,
 * `$JS.API.STREAM.RESTORE.<stream>`), as nats-server speaks it and the nats CLI uses it:
 * chunks acked one by one (flow control), an empty message ending the data, its status saying
 * how it ended. The archive bytes are opaque here: stored and sent back exactly as received.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { JkError } from '../errors.js';
import { decodeNatsError, type JetStreamAdmin, type JsonConfig } from './admin.js';

export interface SnapshotOptions {
  /** bytes per chunk the server sends (server clamps to 1 KiB..1 MiB); default 128 KiB like the nats CLI */
  chunkSize?: number;
  /** flow-control window in bytes (servers >= 2.12.5); left out by default */
  windowSize?: number;
  /** leave consumer state out of the snapshot */
  noConsumers?: boolean;
  /** the server checks message checksums before the snapshot */
  healthCheck?: boolean;
  /** abort when no chunk arrives for this long (default max(5 s, request timeout)) */
  idleTimeoutMs?: number;
  /** called after every chunk with the total bytes so far */
  onProgress?: (bytes: number, chunks: number) => void;
  signal?: AbortSignal;
}

export interface SnapshotResult {
  /** the stream config and state of the snapshot response: what backup.json holds */
  config: JsonConfig;
  state: JsonConfig;
  bytes: number;
  chunks: number;
}

export interface RestoreOptions {
  onProgress?: (bytes: number, chunks: number) => void;
  /**
   * upload requests in flight (default 4). The server takes the chunks of one connection in order
   * and answers each; a few in flight keep it busy while the next chunk is read and sent.
   */
  inflight?: number;
  /** gets each chunk back once the server acknowledged it: nothing refers to it any more, so its memory may be reused */
  release?: (chunk: Uint8Array) => void;
  /** how long the server may take to build the stream after the last chunk (default 1 h) */
  finishTimeoutMs?: number;
  signal?: AbortSignal;
}

/** The JetStream API prefix for the admin's domain: `$JS.API` or `$JS.<domain>.API`. */
export function apiPrefix(domain: string | undefined): string {
  return domain ? `$JS.${domain}.API` : '$JS.API';
}

function decode(data: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(data)) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface ApiError { code?: number; err_code?: number; description?: string }

function apiFailure(code: 'JK7008' | 'JK7009', stream: string, what: string, err: ApiError | undefined, fix: string): JkError {
  const desc = (err?.description ?? 'no description').replace(/^restore failed: /, '');
  return new JkError(code, { message: `${what} failed: ${desc}${err?.err_code ? ` (err_code ${err.err_code})` : ''}`, resource: `Stream/${stream}`, apiCode: err?.err_code, fix });
}

interface ApiCall { stream: string; code: 'JK7008' | 'JK7009'; what: string; timeoutMs: number }

async function apiRequest(nc: NatsConnection, subject: string, body: unknown, call: ApiCall): Promise<Record<string, unknown>> {
  const { stream, code, what, timeoutMs } = call;
  let reply: Msg;
  try {
    reply = await nc.request(subject, JSON.stringify(body), { timeout: timeoutMs });
  } catch (e) {
    throw new JkError(code, { message: `${what}: no answer from the JetStream API (${(e as Error).message})`, resource: `Stream/${stream}`, transient: true, cause: e, fix: 'check that JetStream is enabled and the stream has a leader (`nats stream info`), then run again' });
  }
  const r = decode(reply.data);
  if (!r) throw new JkError(code, { message: `${what}: the server's answer is not JSON`, resource: `Stream/${stream}`, fix: 'check that the server is a nats-server with JetStream' });
  if (r.error) throw apiFailure(code, stream, what, r.error as ApiError, 'see the server error above; `nats stream info` shows the stream');
  return r;
}

/** Takes a snapshot of `stream`, passing every chunk to `sink` in order. Rejects on any failure (the data is then incomplete). */
export async function snapshotStream(admin: JetStreamAdmin, stream: string, sink: (chunk: Uint8Array) => void, opts: SnapshotOptions = {}): Promise<SnapshotResult> {
  const nc = admin.nc;
  const deliver = createInbox();
  const counters = { bytes: 0, chunks: 0 };
  const done = receiveChunks(nc, { deliver, stream, sink, counters }, opts);
  try {
    const req: Record<string, unknown> = { deliver_subject: deliver, chunk_size: opts.chunkSize ?? 128 * 1024 };
    if (opts.noConsumers) req.no_consumers = true;
    if (opts.windowSize) req.window_size = opts.windowSize;
    if (opts.healthCheck) req.jsck = true;
    const r = await apiRequest(nc, `${apiPrefix(admin.settings.jsDomain)}.STREAM.SNAPSHOT.${stream}`, req, { timeoutMs: admin.settings.timeoutMs ?? 10_000, stream, code: 'JK7008', what: 'snapshot' });
    done.start();
    await done.finished;
    return { config: r.config as JsonConfig, state: r.state as JsonConfig, bytes: counters.bytes, chunks: counters.chunks };
  } finally {
    done.stop();
  }
}

interface Receiver { finished: Promise<void>; start(): void; stop(): void }

/** Subscribes first (the server waits 2 s for interest), acks each chunk that asks for it, ends at the empty message. */
interface Delivery { deliver: string; stream: string; sink: (c: Uint8Array) => void; counters: { bytes: number; chunks: number } }

function receiveChunks(nc: NatsConnection, d: Delivery, opts: SnapshotOptions): Receiver {
  const { deliver, stream, sink, counters } = d;
  let settle: { ok: () => void; fail: (e: Error) => void } = { ok: () => {}, fail: () => {} };
  const finished = new Promise<void>((ok, fail) => (settle = { ok, fail }));
  finished.catch(() => {});
  const idleMs = opts.idleTimeoutMs ?? 5_000;
  let timer: NodeJS.Timeout | undefined;
  const fail = (message: string, fix: string) => settle.fail(new JkError('JK7008', { message, resource: `Stream/${stream}`, fix }));
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => fail(`snapshot stalled: no data for ${idleMs} ms`, 'check the server log and the network, then run the backup again'), idleMs);
  };
  const onAbort = () => fail('snapshot interrupted', 'run the backup again');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const sub: Subscription = nc.subscribe(deliver, {
    callback: (err, m) => {
      if (err) return fail(`snapshot subscription failed: ${err.message}`, 'check the permissions of the user on _INBOX.>');
      arm();
      if (m.data.length === 0) return endOfData(m, stream, settle);
      if (m.reply) nc.publish(m.reply);
      counters.bytes += m.data.length;
      counters.chunks++;
      try {
        sink(m.data);
      } catch (e) {
        return fail(`cannot store snapshot data: ${(e as Error).message}`, 'check the free space and permissions of the backup directory');
      }
      opts.onProgress?.(counters.bytes, counters.chunks);
    },
  });
  return {
    finished,
    start: arm,
    stop: () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sub.unsubscribe();
    },
  };
}

function endOfData(m: Msg, stream: string, settle: { ok: () => void; fail: (e: Error) => void }): void {
  const h = m.headers;
  if (!h || h.code === 0 || h.code === 204 || h.code === 200) return settle.ok();
  settle.fail(new JkError('JK7008', {
    message: `snapshot ended with status ${h.code} ${h.description}`.trim(),
    resource: `Stream/${stream}`,
    transient: h.code === 408,
    fix: h.code === 408 ? 'the client could not keep up or lost interest: run the backup again (a smaller `chunkSize` can help)' : 'see the server log, then run the backup again',
  }));
}

/**
 * Restores a snapshot: sends {config, state}, uploads `data` chunk by chunk (one request each, the
 * server answers each, a few in flight), then an empty request; resolves with the server's stream
 * info. A chunk must not exceed the server's max_payload (see `restoreChunkSize`).
 */
export async function restoreStream(admin: JetStreamAdmin, meta: { config: JsonConfig; state: JsonConfig }, data: AsyncIterable<Uint8Array>, opts: RestoreOptions = {}): Promise<JsonConfig> {
  const nc = admin.nc;
  const stream = String(meta.config.name);
  const timeoutMs = admin.settings.timeoutMs ?? 10_000;
  const r = await apiRequest(nc, `${apiPrefix(admin.settings.jsDomain)}.STREAM.RESTORE.${stream}`, meta, { timeoutMs, stream, code: 'JK7009', what: 'restore' });
  const deliver = String(r.deliver_subject ?? '');
  if (!deliver) throw new JkError('JK7009', { message: 'restore: the server gave no upload subject', resource: `Stream/${stream}`, fix: 'check that the server is a nats-server with JetStream' });
  await upload(nc, deliver, data, { timeoutMs, stream, opts });
  const fin = await nc.request(deliver, new Uint8Array(0), { timeout: opts.finishTimeoutMs ?? 3_600_000 }).catch((e: Error) => {
    throw new JkError('JK7009', { message: `restore: the server did not finish (${e.message})`, resource: `Stream/${stream}`, cause: e, fix: 'check the server log; `nats stream info` shows whether the stream exists' });
  });
  const res = decode(fin.data);
  if (!res || res.error) throw apiFailure('JK7009', stream, 'restore', res?.error as ApiError | undefined, 'the backup may be corrupt or too large for the account limits: check it with `jetkeeper backup info`');
  return res;
}

const MAX_RESTORE_CHUNK = 1024 * 1024;

/** Bytes per upload chunk: `wanted` (default 1 MiB, as large as the server's snapshot chunks get), never above the server's max_payload. */
export function restoreChunkSize(admin: JetStreamAdmin, wanted = MAX_RESTORE_CHUNK): number {
  const max = admin.nc.info?.max_payload ?? MAX_RESTORE_CHUNK;
  return Math.max(1024, Math.min(wanted, max));
}

/**
 * Sends the chunks as requests, `inflight` at a time (one connection keeps them in order, and the
 * server answers each in turn); the first refusal stops the upload. Once the server refuses a chunk
 * it drops its upload subject, so the chunks behind it fail with "no responders", possibly before
 * the refusal arrives: the failure reported is the one of the earliest chunk.
 */
async function upload(nc: NatsConnection, deliver: string, data: AsyncIterable<Uint8Array>, ctx: { timeoutMs: number; stream: string; opts: RestoreOptions }): Promise<void> {
  const { timeoutMs, stream, opts } = ctx;
  const window = Math.max(1, opts.inflight ?? 4);
  const inflight = new Set<Promise<void>>();
  let failure: { index: number; error: unknown } | undefined;
  let sent = 0;
  let bytes = 0;
  let chunks = 0;
  for await (const chunk of data) {
    if (opts.signal?.aborted) throw new JkError('JK7009', { message: 'restore interrupted; the server discards the partial upload', resource: `Stream/${stream}`, fix: 'run the restore again' });
    if (failure) break;
    if (!chunk.length) continue;
    const index = sent++;
    const p: Promise<void> = uploadChunk(nc, deliver, chunk, timeoutMs, stream).then(() => {
      bytes += chunk.length;
      opts.onProgress?.(bytes, ++chunks);
      opts.release?.(chunk);
    }, (error: unknown) => {
      if (!failure || index < failure.index) failure = { index, error };
    }).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= window) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  if (failure) throw failure.error;
}

async function uploadChunk(nc: NatsConnection, deliver: string, chunk: Uint8Array, timeoutMs: number, stream: string): Promise<void> {
  let reply: Msg;
  try {
    reply = await nc.request(deliver, chunk, { timeout: timeoutMs });
  } catch (e) {
    throw new JkError('JK7009', { message: `restore: a data chunk was not acknowledged (${(e as Error).message})`, resource: `Stream/${stream}`, cause: e, fix: 'the server aborted the restore (see its log): run the restore again' });
  }
  if (!reply.data.length) return;
  const text = new TextDecoder().decode(reply.data);
  const err = decode(reply.data)?.error as ApiError | undefined;
  if (err || text.startsWith('-ERR')) throw apiFailure('JK7009', stream, 'restore', err ?? { description: text.slice(0, 200) }, 'the backup may be corrupt or exceed the account limits');
}

/** What a replay of a stream shows: count, sequence range, per-subject counts, a digest of every message. */
export interface StreamDigest {
  messages: number;
  firstSeq: number;
  lastSeq: number;
  subjects: Record<string, number>;
  /** sha256 over (sequence, subject, headers, payload) of every message, in order */
  sha256: string;
}

/** Replays `stream` from the start up to `lastSeq` with an ordered consumer and digests it. */
export async function digestStream(admin: JetStreamAdmin, stream: string, lastSeq: number, opts: { idleTimeoutMs?: number } = {}): Promise<StreamDigest> {
  const hash = createHash('sha256');
  const out: StreamDigest = { messages: 0, firstSeq: 0, lastSeq: 0, subjects: {}, sha256: '' };
  if (lastSeq > 0) await replayInto(admin, { stream, lastSeq, idleMs: opts.idleTimeoutMs ?? 10_000 }, hash, out);
  out.sha256 = hash.digest('hex');
  return out;
}

async function replayInto(admin: JetStreamAdmin, range: { stream: string; lastSeq: number; idleMs: number }, hash: ReturnType<typeof createHash>, out: StreamDigest): Promise<void> {
  await replayStream(admin, range.stream, (m) => {
    if (m.seq > range.lastSeq) return true;
    hash.update(`${m.seq}\n${m.subject}\n${headerText(m.headers)}\n${m.data.length}\n`);
    hash.update(m.data);
    out.messages++;
    if (!out.firstSeq) out.firstSeq = m.seq;
    out.lastSeq = m.seq;
    out.subjects[m.subject] = (out.subjects[m.subject] ?? 0) + 1;
    return m.seq >= range.lastSeq;
  }, range.idleMs, true);
}

export interface ReplayedMessage {
  seq: number;
  subject: string;
  headers?: Iterable<[string, string[]]> & { get(k: string): string };
  data: Uint8Array;
  /** messages left after this one */
  pending: number;
}

/**
 * Replays `stream` from its first message, calling `onMsg` until it returns true or nothing is
 * left. Uses a consumer of its own (no acks, in memory, one replica), deleted right after: a replay
 * must not leave a consumer behind that a later snapshot would carry.
 */
/**
 * Whether the replay consumer sees messages. Right after a restore its replica may not hold them
 * yet: when messages are expected, asks again for up to `waitMs`.
 */
async function hasPending(info: () => Promise<{ num_pending: number }>, waitMs: number): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    if ((await info()).num_pending > 0) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function replayStream(admin: JetStreamAdmin, stream: string, onMsg: (m: ReplayedMessage) => boolean | void, idleMs = 10_000, expectMessages = false): Promise<void> {
  const name = `jkreplay_${randomBytes(6).toString('hex')}`;
  await admin.jsm.consumers.add(stream, { name, ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.All, mem_storage: true, num_replicas: 1, inactive_threshold: 60_000_000_000 })
    .catch((e: unknown) => { throw decodeNatsError(e, `Stream/${stream}`, admin.settings); });
  try {
    const js = jetstream(admin.nc, { domain: admin.settings.jsDomain, timeout: admin.settings.timeoutMs ?? 10_000 });
    const c = await js.consumers.get(stream, name);
    if (!(await hasPending(() => c.info(true), expectMessages ? idleMs : 0))) return;
    const messages = await c.consume({ max_messages: 1024, idle_heartbeat: Math.min(idleMs, 5_000) });
    try {
      for await (const m of messages) {
        if (onMsg({ seq: m.seq, subject: m.subject, headers: m.headers, data: m.data, pending: m.info.pending }) || m.info.pending === 0) break;
      }
    } finally {
      await messages.close().catch(() => {});
    }
  } finally {
    await admin.jsm.consumers.delete(stream, name).catch(() => {});
  }
}

/** Stream info as the server sends it (config, state, sources, mirror), with per-subject counts when `subjectsFilter` is given. */
export async function streamInfoRaw(admin: JetStreamAdmin, stream: string, subjectsFilter?: string): Promise<JsonConfig | undefined> {
  if (!(await admin.streamInfo(stream))) return undefined;
  try {
    return (await admin.jsm.streams.info(stream, subjectsFilter ? { subjects_filter: subjectsFilter } : undefined)) as unknown as JsonConfig;
  } catch (e) {
    throw decodeNatsError(e, `Stream/${stream}`, admin.settings);
  }
}

function headerText(h: Iterable<[string, string[]]> | undefined): string {
  if (!h) return '';
  return [...h].map(([k, v]) => `${k}:${v.join(',')}`).sort().join('\r');
}

/** A durable consumer's position as the server reports it. */
export interface ConsumerPosition {
  name: string;
  /** last delivered stream sequence */
  delivered: number;
  /** stream sequence of the ack floor */
  ackFloor: number;
  numPending: number;
  numAckPending: number;
}

/**
 * The positions of every consumer of `stream`, sorted by name, each name once: while a cluster recreates the
 * consumers of a restored stream, a listing can name one consumer twice and leave another out (so a count
 * of the listing is not a count of the consumers).
 */
export async function consumerPositions(admin: JetStreamAdmin, stream: string): Promise<ConsumerPosition[]> {
  const out = new Map<string, ConsumerPosition>();
  try {
    for await (const ci of admin.jsm.consumers.list(stream)) {
      if (out.has(ci.name)) continue;
      out.set(ci.name, { name: ci.name, delivered: ci.delivered.stream_seq, ackFloor: ci.ack_floor.stream_seq, numPending: ci.num_pending, numAckPending: ci.num_ack_pending });
    }
  } catch (e) {
    throw decodeNatsError(e, `Stream/${stream}`, admin.settings);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Names of every stream of the account, sorted. */
export async function streamNames(admin: JetStreamAdmin): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const n of admin.jsm.streams.names()) out.push(n);
  } catch (e) {
    throw decodeNatsError(e, undefined, admin.settings);
  }
  return out.sort();
}
