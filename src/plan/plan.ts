/**
 * desired + live -> classified changes. Pure: live state comes in as data.
 * Every change says what happens (create, update, replace, delete, unsupported, skip, noop),
 * which fields change, why, and what a destructive change loses.
 */
import { JkError } from '../errors.js';
import { resourceKey, type Resource } from '../manifests/validate.js';
import {
  compareVersions, deepEqual, MANAGED_KEY, metadataValue, OWNER_KEY, PREVENT_DELETE_KEY, type ApiConfig, type KindName, type ResourceKind,
  type Target,
} from '../resources/kind.js';
import { kindByName, kindOfLiveStream } from '../resources/index.js';

/** Live state as plan needs it (what the server reported). */
export interface LiveState {
  serverVersion: string;
  streams: { config: ApiConfig; state?: { messages: number; bytes: number } }[];
  consumers: { stream: string; name: string; config: ApiConfig }[];
}

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'unsupported' | 'skip' | 'noop';

export interface FieldChange {
  /** API field (snake_case) */
  apiField: string;
  /** spec field as written in manifests (camelCase) */
  field: string;
  from?: unknown;
  to?: unknown;
  /** set when the server cannot change this field in place */
  immutable?: string;
  /** set when the connected server does not know the field: the version that adds it */
  since?: string;
}

export interface Change {
  action: Action;
  kind: KindName;
  /** `Stream/ORDERS`, `Consumer/ORDERS/fulfillment-created` */
  key: string;
  /** metadata.name of the declaring manifest (absent for prune deletes) */
  name?: string;
  target: Target;
  fields: FieldChange[];
  reason?: string;
  /** what a replace or delete loses */
  dataLoss?: string;
  /** config to send (create, update, replace) */
  desired?: ApiConfig;
  /** config the server reported */
  live?: ApiConfig;
  resource?: Resource;
  /** a consumer whose stream neither exists nor is declared: the stream it waits for (`Stream/X`) */
  waitsFor?: string;
}

/**
 * The mass-delete guard of a pruning plan: prune never deletes when nothing is declared for the
 * connection (an empty directory, a failed checkout), nor more than `limit` resources unless the
 * run raised the limit.
 */
export interface PruneGuard {
  /** resources the plan deletes */
  deletes: number;
  /** live resources carrying this owner's tag */
  owned: number;
  /** resources declared for this connection */
  declared: number;
  /** the most deletes allowed in this run */
  limit: number;
  /** whether the limit was given explicitly (`pruneMax`) or is the default */
  explicit: boolean;
  /** set when the deletes are refused */
  refused?: 'nothing-declared' | 'over-limit';
}

export interface Plan {
  serverVersion: string;
  owner: string;
  changes: Change[];
  /** present when the plan prunes */
  prune?: PruneGuard;
}

export interface PlanOptions {
  /** ownership tag written to metadata; prune only deletes what carries the same owner */
  owner: string;
  /** also plan deletes of owned resources that are no longer declared */
  prune: boolean;
  /** every resource declared in this run (default: `desired`); prune never deletes these */
  declared?: readonly Resource[];
  /** the most resources one prune may delete; default: a quarter of the owned ones, at least 1, at most 10 */
  pruneMax?: number;
}

/** Default mass-delete limit: 25 % of what the owner has, never less than 1 nor more than 10. */
export const PRUNE_DEFAULT_MAX = 10;
export const PRUNE_DEFAULT_SHARE = 0.25;

/** The most deletes a prune may make when the run does not say (see PruneGuard). */
export function defaultPruneLimit(owned: number): number {
  return Math.min(PRUNE_DEFAULT_MAX, Math.max(1, Math.floor(owned * PRUNE_DEFAULT_SHARE)));
}

const METADATA_SINCE = '2.10.0';

/** Builds the plan. */
export function plan(desired: readonly Resource[], live: LiveState, opts: PlanOptions): Plan {
  const streams = new Map(live.streams.map((s) => [String(s.config.name), s]));
  const consumers = new Map(live.consumers.map((c) => [`${c.stream}/${c.name}`, c]));
  const changes: Change[] = [];
  const replacedStreams = new Set<string>();
  const ordered = desired.filter((r) => r.target).sort((a, b) => rank(a.target!) - rank(b.target!));
  const declaredStreams = new Map(ordered.filter((r) => r.target!.type === 'stream').map((r) => [r.target!.stream, r]));
  // one lookup per stream, not per consumer (a stream has many consumers)
  const limits = new Map<string, ApiConfig | undefined>();
  const limitsOf = (stream: string) => {
    if (!limits.has(stream)) limits.set(stream, consumerLimitsOf(stream, declaredStreams, streams));
    return limits.get(stream);
  };
  for (const r of ordered) {
    const kind = kindByName(r.kind)!;
    const t = r.target!;
    const liveCfg = t.type === 'stream' ? streams.get(t.stream)?.config : replacedStreams.has(t.stream) ? undefined : consumers.get(`${t.stream}/${t.consumer}`)?.config;
    const inherited = t.type === 'consumer' ? limitsOf(t.stream) : undefined;
    const change = planResource(kind, r, liveCfg, { serverVersion: live.serverVersion, owner: opts.owner, inherited });
    if (t.type === 'consumer' && !streams.has(t.stream) && !declaredStreams.has(t.stream)) change.waitsFor = `Stream/${t.stream}`;
    if (change.action === 'replace' && t.type === 'stream') {
      replacedStreams.add(t.stream);
      const lost = live.consumers.filter((c) => c.stream === t.stream).map((c) => c.name);
      change.dataLoss = `${streamLoss(t.stream, streams.get(t.stream)?.state)}${lost.length ? `, and consumers ${lost.join(', ')} with their delivery state` : ''}; recreates it empty`;
    }
    changes.push(change);
  }
  if (opts.prune) {
    if (compareVersions(live.serverVersion, METADATA_SINCE) < 0) {
      throw new JkError('JK3006', {
        message: `prune needs stream and consumer metadata to know what jetkeeper owns; nats-server ${live.serverVersion} has none (it came in ${METADATA_SINCE})`,
        option: 'prune',
        fix: 'run without `prune` (nothing is deleted), or upgrade nats-server to 2.10 or newer',
      });
    }
    const deletes = planPrune(opts.declared ?? desired, live, opts.owner, replacedStreams);
    changes.push(...deletes);
    return { serverVersion: live.serverVersion, owner: opts.owner, changes, prune: pruneGuard(deletes, live, ordered.length, opts) };
  }
  return { serverVersion: live.serverVersion, owner: opts.owner, changes };
}

/** The refusal of a guarded prune, in words that name the limit. */
export function pruneRefusal(g: PruneGuard): string {
  if (g.refused === 'nothing-declared') {
    return `prune refused: nothing is declared for this connection, so it would delete all ${g.deletes} resource(s) this owner applied`;
  }
  return `prune refused: it would delete ${g.deletes} resources, more than the limit of ${g.limit} (${limitText(g)})`;
}

/** How the prune limit was set, for plans and refusals. */
export function limitText(g: PruneGuard): string {
  return g.explicit ? 'set for this run' : `default: 25 % of the ${g.owned} owned, at least 1, at most ${PRUNE_DEFAULT_MAX}`;
}

function pruneGuard(changes: readonly Change[], live: LiveState, declared: number, opts: PlanOptions): PruneGuard {
  const owned = [...live.streams, ...live.consumers].filter((x) => metadataValue(x.config, OWNER_KEY) === opts.owner).length;
  const deletes = changes.filter((c) => c.action === 'delete').length;
  const explicit = opts.pruneMax !== undefined;
  const limit = opts.pruneMax ?? defaultPruneLimit(owned);
  const refused = deletes === 0 ? undefined : declared === 0 ? 'nothing-declared' : deletes > limit ? 'over-limit' : undefined;
  return { deletes, owned, declared, limit, explicit, ...(refused ? { refused } : {}) };
}

function rank(t: Target): number {
  return t.type === 'stream' ? 0 : 1;
}

function withOwner(config: ApiConfig, r: Resource, serverVersion: string, owner: string): ApiConfig {
  if (compareVersions(serverVersion, METADATA_SINCE) < 0) return config;
  const spec = r.spec as { preventDelete?: boolean };
  return {
    ...config,
    metadata: {
      ...((config.metadata as Record<string, string>) ?? {}),
      [OWNER_KEY]: owner,
      ...(spec.preventDelete ? { [PREVENT_DELETE_KEY]: 'true' } : {}),
    },
  };
}

/**
 * The stream's consumer_limits (declared, else live): the server gives consumers that leave
 * max_ack_pending / inactive_threshold unset the stream's limits, so the plan expects them too.
 */
function consumerLimitsOf(stream: string, declaredStreams: Map<string, Resource>, live: Map<string, { config: ApiConfig }>): ApiConfig | undefined {
  const declared = declaredStreams.get(stream);
  const config = declared ? kindByName(declared.kind)!.toApi(declared.spec) : live.get(stream)?.config;
  const limits = config?.consumer_limits as ApiConfig | undefined;
  return limits && Object.keys(limits).length ? limits : undefined;
}

/** What planning one resource needs besides the resource and its live config. */
export interface ResourcePlanOptions {
  /** the connected server's version: fields it lacks are `unsupported` */
  serverVersion: string;
  /** the ownership tag written to the resource */
  owner: string;
  /** limits the server gives the resource when it leaves them unset (a stream's consumer_limits) */
  inherited?: ApiConfig;
}

/** Plans one declared resource against its live config (undefined: does not exist). */
export function planResource(kind: ResourceKind, r: Resource, live: ApiConfig | undefined, opts: ResourcePlanOptions): Change {
  const { serverVersion, owner, inherited } = opts;
  const target = r.target!;
  const base = { kind: r.kind, key: r.key, name: r.name, target, resource: r };
  const api = { ...kind.toApi(r.spec) };
  for (const [k, v] of Object.entries(inherited ?? {})) if (api[k] === undefined && v) api[k] = v;
  const desired = withOwner(api, r, serverVersion, owner);
  const unsupported = kind.features
    .filter((f) => api[f.field] !== undefined && (!f.uses || f.uses(api[f.field])) && compareVersions(serverVersion, f.since) < 0)
    .map((f): FieldChange => ({ apiField: f.field, field: f.what ?? kind.specFields[f.field] ?? f.field, to: api[f.field], since: f.since }));
  if (unsupported.length) {
    return {
      ...base, action: 'unsupported', fields: unsupported, desired, live,
      reason: unsupported.map((f) => `${f.field} needs nats-server ${f.since}`).join('; ') + ` (connected: ${serverVersion})`,
    };
  }
  if (!live) {
    const defaults = kind.normalise({});
    const fields = Object.entries(api)
      .filter(([k, v]) => k !== 'name' && !deepEqual(v, defaults[k]))
      .map(([k, v]): FieldChange => ({ apiField: k, field: kind.specFields[k] ?? k, to: v }));
    return { ...base, action: 'create', fields, desired };
  }
  if (metadataValue(live, MANAGED_KEY) === 'false') {
    return { ...base, action: 'skip', fields: [], live, reason: `${MANAGED_KEY}: "false" on the server: jetkeeper lets go of it` };
  }
  const normal = kind.normalise(desired);
  const fields = diffNormalised(kind, normal, kind.normalise(live));
  if (fields.length === 0) return { ...base, action: 'noop', fields, live };
  if ((r.spec as { preventUpdate?: boolean }).preventUpdate) {
    return { ...base, action: 'skip', fields, live, reason: 'preventUpdate: true' };
  }
  const immutable = fields.filter((f) => f.immutable);
  if (immutable.length) {
    const reason = immutable.map((f) => `${f.field}: ${f.immutable}`).join('; ');
    const dataLoss = target.type === 'consumer' ? `deletes consumer ${target.consumer} and its delivery state (acks, pending, redeliveries); recreates it from the start of its deliver policy` : undefined;
    return { ...base, action: 'replace', fields, desired, live, reason, dataLoss };
  }
  return { ...base, action: 'update', fields, desired: updatePayload(desired, normal, live), live };
}

/** Field-by-field difference of two configs after normalising both. */
export function diffConfigs(kind: ResourceKind, desired: ApiConfig, live: ApiConfig): FieldChange[] {
  return diffNormalised(kind, kind.normalise(desired), kind.normalise(live));
}

/** Field-by-field difference of two normalised configs `d` (desired) and `l` (live). */
function diffNormalised(kind: ResourceKind, d: ApiConfig, l: ApiConfig): FieldChange[] {
  const out: FieldChange[] = [];
  for (const key of new Set([...Object.keys(d), ...Object.keys(l)])) {
    if (deepEqual(d[key], l[key])) continue;
    const rule = kind.immutable.find((i) => i.field === key && (!i.when || i.when(l[key], d[key])));
    out.push({ apiField: key, field: kind.specFields[key] ?? key, from: l[key], to: d[key], immutable: rule?.reason });
  }
  return out;
}

/**
 * What to send for an in-place update: the desired config, plus every field the live config
 * has that the desired one leaves out, reset to its default (or removed), so the update
 * replaces rather than merges. `normal` is the desired config normalised.
 */
function updatePayload(desired: ApiConfig, normal: ApiConfig, live: ApiConfig): ApiConfig {
  const out: ApiConfig = { ...desired };
  for (const key of Object.keys(live)) {
    if (key in out) continue;
    out[key] = key in normal ? normal[key] : undefined;
  }
  return out;
}

/** What deleting a stream loses (its messages, when the server reported them). */
function streamLoss(name: string, state: LiveState['streams'][number]['state']): string {
  return `deletes stream ${name}${state ? ` and its ${state.messages} messages (${state.bytes} bytes)` : ''}`;
}

/**
 * Deletes for resources this owner created that are no longer declared. Consumers of streams
 * that go away anyway (deleted here, or replaced) are not listed again: the stream's change
 * already names them as lost.
 */
function planPrune(desired: readonly Resource[], live: LiveState, owner: string, replacedStreams: ReadonlySet<string>): Change[] {
  const declared = new Set(desired.filter((r) => r.target).map((r) => targetKey(r.target!)));
  const out: Change[] = [];
  const deletedStreams = new Set<string>(replacedStreams);
  const undeclaredOwned = (t: Target, config: ApiConfig) => !declared.has(targetKey(t)) && metadataValue(config, OWNER_KEY) === owner;
  for (const s of live.streams) {
    const target: Target = { type: 'stream', stream: String(s.config.name) };
    if (!undeclaredOwned(target, s.config)) continue;
    const change = pruneChange(kindOfLiveStream(s.config).kind, target, s.config, streamLoss(target.stream, s.state));
    if (change.action === 'delete') deletedStreams.add(target.stream);
    out.push(change);
  }
  for (const c of live.consumers) {
    const target: Target = { type: 'consumer', stream: c.stream, consumer: c.name };
    if (deletedStreams.has(c.stream) || !undeclaredOwned(target, c.config)) continue;
    out.push(pruneChange('Consumer', target, c.config, `deletes consumer ${c.name} and its delivery state`));
  }
  return out;
}

/** The delete of one undeclared resource, or a skip when it was applied with preventDelete. */
function pruneChange(kind: KindName, target: Target, live: ApiConfig, dataLoss: string): Change {
  const base = { kind, key: resourceKey(kind, '', target), target, fields: [], live };
  if (metadataValue(live, PREVENT_DELETE_KEY) === 'true') {
    return { ...base, action: 'skip', reason: 'preventDelete was set when jetkeeper applied it' };
  }
  return { ...base, action: 'delete', reason: 'no longer declared (prune)', dataLoss };
}

function targetKey(t: Target): string {
  return t.type === 'stream' ? `stream:${t.stream}` : `consumer:${t.stream}/${t.consumer}`;
}

/** Counts per action, for summaries and exit codes. */
export function summarize(p: Plan): Record<Action, number> {
  const out: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, unsupported: 0, skip: 0, noop: 0 };
  for (const c of p.changes) out[c.action]++;
  return out;
}

/** True when applying would write something. */
export function hasChanges(p: Plan): boolean {
  return p.changes.some((c) => c.action !== 'noop' && c.action !== 'skip');
}
