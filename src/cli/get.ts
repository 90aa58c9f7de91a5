/** `jetkeeper get streams|consumers|kv|objectstores|accounts`: what is on the server now. */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { kindOfLiveStream } from '../manifests/export.js';
import type { LiveSnapshot } from '../nats/admin.js';
import { formatDuration } from '../resources/duration.js';
import { kindByAlias, metadataValue, OWNER_KEY } from '../resources/index.js';
import { action, emit, globalOptions, table, withAdmin } from './common.js';

/**
 * One row of `get`, in the shape -o json and -o yaml print (docs/output.md): lists are arrays,
 * counts and sizes numbers, durations Go duration strings (`24h`), and what is not set is null.
 * Only the text table joins lists and prints `-`.
 */
export type Row = Record<string, string | number | boolean | string[] | null>;

/** A JetStream duration (ns) as a Go duration; null when unset (0: no limit). */
const dur = (v: unknown): string | null => (typeof v === 'number' && v > 0 ? formatDuration(v) : null);
const owner = (c: Record<string, unknown>): string | null => metadataValue(c, OWNER_KEY) ?? null;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function streamRows(live: LiveSnapshot, kind: string): Row[] {
  return live.streams.filter((s) => kindOfLiveStream(s.config).kind === kind).map((s) => {
    const c = s.config;
    const name = String(c.name);
    return {
      name: kind === 'Stream' ? name : name.replace(/^(KV|OBJ)_/, ''),
      ...(kind === 'Stream' ? { subjects: (c.subjects as string[] | undefined) ?? [], retention: String(c.retention) } : {}),
      ...(kind === 'KeyValue' ? { history: num(c.max_msgs_per_subject), ttl: dur(c.max_age) } : {}),
      storage: String(c.storage),
      replicas: num(c.num_replicas),
      ...(kind === 'Stream' ? { maxAge: dur(c.max_age) } : {}),
      messages: s.state.messages,
      bytes: s.state.bytes,
      ...(kind === 'Stream' ? { consumers: s.state.consumer_count } : {}),
      leader: s.cluster?.leader ?? null,
      owner: owner(c),
    };
  });
}

function filterSubjects(c: Record<string, unknown>): string[] {
  if (typeof c.filter_subject === 'string' && c.filter_subject !== '') return [c.filter_subject];
  return (c.filter_subjects as string[] | undefined) ?? [];
}

/** A row's cell in the text table: lists joined with commas, nothing as `-`. */
function cell(v: Row[string]): string {
  if (Array.isArray(v)) return v.length ? v.join(',') : '-';
  return v === null || v === '' ? '-' : String(v);
}

/** The text table of `get`. */
export function rowsTable(rows: Row[]): string {
  return table(Object.keys(rows[0]!).map((h) => h.toUpperCase()), rows.map((r) => Object.values(r).map(cell)));
}

export function consumerRows(live: LiveSnapshot): Row[] {
  return live.consumers.map((x) => ({
    stream: x.stream,
    name: x.name,
    type: x.config.deliver_subject ? 'push' : 'pull',
    ack: String(x.config.ack_policy),
    filter: filterSubjects(x.config),
    pending: x.num_pending,
    ackPending: x.num_ack_pending,
    redelivered: x.num_redelivered,
    waiting: x.num_waiting,
    owner: owner(x.config),
  }));
}

export function getCommand(program: Command): void {
  program
    .command('get')
    .description('list what is on the server: streams, consumers, kv, objectstores, accounts')
    .argument('<what>', 'streams | consumers | kv | objectstores | accounts')
    .option('--stream <name>', 'consumers of this stream only')
    .action(action(async (what: string, opts: { stream?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const kind = kindByAlias(what);
      if (!kind) throw new JkError('JK1012', { message: `cannot get "${what}"`, fix: 'use streams, consumers, kv, objectstores or accounts' });
      const rows = await withAdmin(o, async (admin): Promise<Row[]> => {
        if (kind.kind === 'Account') {
          const a = await admin.accountInfo();
          const limits = (a.limits ?? {}) as Record<string, number>;
          return [{
            server: admin.serverVersion, memory: num(a.memory), storage: num(a.storage), streams: num(a.streams), consumers: num(a.consumers),
            maxMemory: num(limits.max_memory), maxStorage: num(limits.max_storage), domain: typeof a.domain === 'string' && a.domain ? a.domain : null,
          }];
        }
        const live = await admin.readLive({ streams: opts.stream ? (n) => n === opts.stream : undefined });
        return kind.kind === 'Consumer' ? consumerRows(live) : streamRows(live, kind.kind);
      });
      emit(o, rows, () => (rows.length ? rowsTable(rows) : `No ${kind.plural} found.`));
    }));
}
