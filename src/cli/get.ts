/** `jetkeeper get streams|consumers|kv|objectstores|accounts`: what is on the server now. */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { kindOfLiveStream } from '../manifests/export.js';
import type { LiveSnapshot } from '../nats/admin.js';
import { formatDuration } from '../resources/duration.js';
import { kindByAlias, metadataValue, OWNER_KEY } from '../resources/index.js';
import { action, emit, globalOptions, table, withAdmin } from './common.js';

type Row = Record<string, string | number | boolean | undefined>;

const dur = (v: unknown) => (typeof v === 'number' && v > 0 ? formatDuration(v) : '-');
const owner = (c: Record<string, unknown>) => metadataValue(c, OWNER_KEY) ?? '-';

function streamRows(live: LiveSnapshot, kind: string): Row[] {
  return live.streams.filter((s) => kindOfLiveStream(s.config).kind === kind).map((s) => {
    const c = s.config;
    const name = String(c.name);
    return {
      name: kind === 'Stream' ? name : name.replace(/^(KV|OBJ)_/, ''),
      ...(kind === 'Stream' ? { subjects: ((c.subjects as string[]) ?? []).join(','), retention: String(c.retention) } : {}),
      ...(kind === 'KeyValue' ? { history: Number(c.max_msgs_per_subject), ttl: dur(c.max_age) } : {}),
      storage: String(c.storage),
      replicas: Number(c.num_replicas),
      ...(kind === 'Stream' ? { maxAge: dur(c.max_age) } : {}),
      messages: s.state.messages,
      bytes: s.state.bytes,
      ...(kind === 'Stream' ? { consumers: s.state.consumer_count } : {}),
      leader: s.cluster?.leader ?? '-',
      owner: owner(c),
    };
  });
}

function consumerRows(live: LiveSnapshot): Row[] {
  return live.consumers.map((x) => ({
    stream: x.stream,
    name: x.name,
    type: x.config.deliver_subject ? 'push' : 'pull',
    ack: String(x.config.ack_policy),
    filter: String(x.config.filter_subject ?? ((x.config.filter_subjects as string[] | undefined) ?? []).join(',')) || '-',
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
          return [{ server: admin.serverVersion, memory: Number(a.memory), storage: Number(a.storage), streams: Number(a.streams), consumers: Number(a.consumers), maxMemory: limits.max_memory, maxStorage: limits.max_storage, domain: String(a.domain ?? '-') }];
        }
        const live = await admin.readLive({ streams: opts.stream ? (n) => n === opts.stream : undefined });
        return kind.kind === 'Consumer' ? consumerRows(live) : streamRows(live, kind.kind);
      });
      emit(o, rows, () => (rows.length ? table(Object.keys(rows[0]).map((h) => h.toUpperCase()), rows.map((r) => Object.values(r).map((v) => String(v ?? '-')))) : `No ${kind.plural} found.`));
    }));
}
