/**
 * Plan-time check of declared streams against their account's JetStream limits: a stream the
 * server would refuse for quota is reported before anything is sent, naming the stream, the
 * limit and the numbers. A stream belongs to the NatsAccount named by its `spec.account`.
 */
import { JkError } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import type { NatsAccountSpec } from '../resources/index.js';
import { parseSize } from '../resources/security.js';
import type { Declared } from './model.js';

interface StreamLike { name: string; account?: string; maxBytes?: number; storage?: string; replicas?: number }

/** Limits of one storage type as numbers (-1 unlimited). */
interface Quota { total: number; perStream?: number; streams: number; required: boolean; where: string }

function quotaOf(a: NatsAccountSpec, storage: 'file' | 'memory', replicas: number): Quota | undefined {
  const tier = a.jetstreamTiers?.[`R${replicas}`];
  const js = a.jetstreamTiers ? tier : a.jetstream;
  const where = a.jetstreamTiers ? `spec.jetstreamTiers.R${replicas}` : 'spec.jetstream';
  if (!js) return { total: 0, streams: 0, required: false, where };
  const size = (v: number | string | undefined) => (v === undefined ? -1 : parseSize(v)!);
  return {
    total: size(storage === 'file' ? js.diskStorage : js.memoryStorage),
    perStream: storage === 'file' ? (js.diskMaxStreamBytes === undefined ? undefined : size(js.diskMaxStreamBytes)) : (js.memoryMaxStreamBytes === undefined ? undefined : size(js.memoryMaxStreamBytes)),
    streams: js.streams ?? -1,
    required: js.maxBytesRequired ?? false,
    where,
  };
}

export function fmtBytes(n: number): string {
  if (n < 0) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1 && Number.isInteger(v / 1024)) (v /= 1024), i++;
  return `${v} ${units[i]}`;
}

/** Every declared stream that its account's JetStream limits refuse (JK8007). */
export function checkStreamQuotas(accounts: readonly Declared<NatsAccountSpec>[], streams: readonly Resource[]): JkError[] {
  const errors: JkError[] = [];
  const used = new Map<string, number>();
  const count = new Map<string, number>();
  for (const r of streams) {
    if (r.kind !== 'Stream') continue;
    const s = r.spec as StreamLike;
    const acc = accounts.find((a) => a.name === s.account);
    if (!acc) continue;
    const storage = s.storage === 'file' ? 'file' : 'memory';
    const replicas = s.replicas ?? 1;
    const q = quotaOf(acc.spec, storage, replicas);
    if (!q) continue;
    const key = `${acc.name}/${storage}/${q.where}`;
    const ask = (s.maxBytes ?? -1) < 0 ? 0 : s.maxBytes! * replicas;
    const problem = streamProblem(s, q, storage, { ask, usedBefore: used.get(key) ?? 0, nth: (count.get(`${acc.name}/${q.where}`) ?? 0) + 1 });
    used.set(key, (used.get(key) ?? 0) + ask);
    count.set(`${acc.name}/${q.where}`, (count.get(`${acc.name}/${q.where}`) ?? 0) + 1);
    if (problem) {
      errors.push(new JkError('JK8007', {
        message: `${problem} (NatsAccount/${acc.name} ${q.where})`, resource: `Stream/${s.name}`, field: 'spec.maxBytes', at: r.doc?.positionOf(['spec', 'maxBytes']),
        fix: `raise the limit in ${q.where} of NatsAccount/${acc.name}, or lower maxBytes or replicas of the stream`,
      }));
    }
  }
  return errors;
}

function streamProblem(s: StreamLike, q: Quota, storage: string, n: { ask: number; usedBefore: number; nth: number }): string | undefined {
  const kind = storage === 'file' ? 'file (disk)' : 'memory';
  if (q.total === 0) return `the account has no ${kind} JetStream storage`;
  if (q.streams >= 0 && n.nth > q.streams) return `stream ${n.nth} of the account, but it may have ${q.streams}`;
  if (q.required && (s.maxBytes ?? -1) < 0) return 'the account requires maxBytes on every stream';
  if (q.perStream !== undefined && q.perStream >= 0 && (s.maxBytes ?? -1) > q.perStream) return `maxBytes ${fmtBytes(s.maxBytes!)} is above the account's ${fmtBytes(q.perStream)} per stream`;
  if (q.total > 0 && n.usedBefore + n.ask > q.total) {
    return `needs ${fmtBytes(n.ask)} of ${kind} storage (maxBytes ${fmtBytes(s.maxBytes!)} x ${s.replicas ?? 1} replicas), ${fmtBytes(n.usedBefore)} are taken by the streams declared before it, and the account has ${fmtBytes(q.total)}`;
  }
  return undefined;
}
