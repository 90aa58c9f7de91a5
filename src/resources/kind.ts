/**
 * The contract every resource kind implements. Everything under resources/ is pure: no I/O,
 * no NATS client, no process state. The plan and the CLI only ever talk to kinds through this.
 */
import type { z } from 'zod';

/** A JetStream API configuration object as it goes on the wire (snake_case keys, durations in ns). */
export type ApiConfig = Record<string, unknown>;

export type KindName = 'Stream' | 'Consumer' | 'KeyValue' | 'ObjectStore' | 'Account';

export const API_VERSION = 'jetstream.nats.io/v1beta2';

/** Where a resource lives on the server. */
export type Target =
  | { type: 'stream'; stream: string }
  | { type: 'consumer'; stream: string; consumer: string };

/** A field the server refuses to change in place: changing it needs delete + create. */
export interface ImmutableRule {
  /** top-level API field, e.g. `storage` */
  field: string;
  /** when only some changes are refused (e.g. deny_delete true -> false); default: any change */
  when?: (live: unknown, desired: unknown) => boolean;
  /** the server's rule in words, e.g. "the server cannot change a stream's storage type" */
  reason: string;
}

/** A field the server only knows from some version on. */
export interface FeatureGate {
  /** top-level API field */
  field: string;
  /** first server version that knows the field, e.g. "2.10.0" */
  since: string;
  /** the JetStream API level that goes with it (`$JS.API.INFO` api.level, since 2.11) */
  apiLevel?: number;
  /** when only some values need that version (e.g. ackPolicy flow_control): true for those */
  uses?: (value: unknown) => boolean;
  /** the gated part in manifest terms when it is not the whole field, e.g. `ackPolicy: flow_control` */
  what?: string;
}

/** The connection fields every NATS-backed kind carries (NACK's BaseStreamConfig + ConnectionOpts). */
export interface ConnectionSpec {
  account?: string;
  servers?: string[];
  creds?: string;
  nkey?: string;
  tls?: { clientCert?: string; clientKey?: string; rootCas?: string[] };
  tlsFirst?: boolean;
  jsDomain?: string;
  preventDelete?: boolean;
  preventUpdate?: boolean;
}

export interface ResourceKind<Spec = unknown> {
  kind: KindName;
  /** plural used by `get` and in messages, e.g. `streams` */
  plural: string;
  /** every name `get` accepts for this kind */
  aliases: readonly string[];
  /** zod schema of `spec`; strict (unknown fields are errors) and with NACK's CRD defaults applied */
  schema: z.ZodType<Spec>;
  /** the asset on the server; undefined for kinds that create nothing on the server (Account) */
  target(spec: Spec): Target | undefined;
  /** spec -> API config to send: identity plus every field that differs from the server default */
  toApi(spec: Spec): ApiConfig;
  /**
   * API config (as the server returns it) -> the shortest manifest spec that means the same
   * (defaults left out), for export. `toApi(schema.parse(fromApi(c)))` normalises equal to `c`.
   */
  fromApi(config: ApiConfig): Record<string, unknown>;
  /**
   * Fills server defaults and removes what the server adds by itself, so a desired and a live
   * config that mean the same thing are deepEqual. Works on both sides of a diff.
   */
  normalise(config: ApiConfig): ApiConfig;
  immutable: readonly ImmutableRule[];
  features: readonly FeatureGate[];
  /** API field -> spec field, for messages and plan output (e.g. max_age -> maxAge) */
  specFields: Readonly<Record<string, string>>;
  /** API fields whose values are nanoseconds (shown as durations) */
  durationFields: readonly string[];
  /** for kinds stored as streams by convention (KV_, OBJ_): does this live stream belong to the kind */
  claims?(config: ApiConfig): boolean;
}

/** Reads the value of a JetStream metadata key jetkeeper and the server use. */
export const OWNER_KEY = 'jetkeeper.io/owner';
export const MANAGED_KEY = 'jetkeeper.io/managed';
/** Set when the manifest had preventDelete: prune then keeps the resource. */
export const PREVENT_DELETE_KEY = 'jetkeeper.io/prevent-delete';

/** The value of one metadata key of a config (undefined when the config has no such key). */
export function metadataValue(config: ApiConfig, key: string): string | undefined {
  return (config.metadata as Record<string, string> | undefined)?.[key];
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isEmpty);
  return false;
}

/** Drops empty strings, arrays and objects (recursively), so `{}` and a missing field compare equal. */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = pruneEmpty(v);
      if (!isEmpty(p)) out[k] = p;
    }
    return out;
  }
  return value;
}

/** Metadata without the keys the server and jetkeeper add (`_nats.*`, `jetkeeper.io/*`). */
export function userMetadata(md: unknown): Record<string, string> | undefined {
  if (!md || typeof md !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md as Record<string, string>)) {
    if (!k.startsWith('_nats.') && !k.startsWith('jetkeeper.io/')) out[k] = v;
  }
  return Object.keys(out).length ? out : undefined;
}

/**
 * Keeps exactly the known fields (the keys of `defaults` plus `optional`), filling the server's
 * default where a field is missing, and drops empties and server-added metadata.
 */
export function normaliseWith(
  config: ApiConfig,
  defaults: Readonly<Record<string, unknown>>,
  optional: readonly string[],
): ApiConfig {
  const out: ApiConfig = {};
  for (const key of knownKeys(defaults, optional)) {
    let v = key === 'metadata' ? userMetadata(config[key]) : config[key];
    if (v !== null && typeof v === 'object') {
      v = pruneEmpty(v);
      // pruneEmpty left no empty member: an object is empty when it has no key left
      if (Array.isArray(v) ? v.length === 0 : !hasKeys(v as object)) v = defaults[key];
    } else if (v === undefined || v === null || v === '') v = defaults[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function hasKeys(o: object): boolean {
  for (const _k in o) return true;
  return false;
}

/** The keys of `defaults` plus `optional`, computed once per pair (normalise runs twice per resource of a plan). */
const keyLists = new WeakMap<object, Map<readonly string[], readonly string[]>>();

function knownKeys(defaults: Readonly<Record<string, unknown>>, optional: readonly string[]): readonly string[] {
  let byOptional = keyLists.get(defaults);
  if (!byOptional) keyLists.set(defaults, (byOptional = new Map()));
  let keys = byOptional.get(optional);
  if (!keys) byOptional.set(optional, (keys = [...Object.keys(defaults), ...optional]));
  return keys;
}

/** Structural equality for JSON-like values (key order does not matter). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Compares dotted server versions ("2.10.0" vs "2.9.10"): negative, zero or positive. */
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The API group and version of jetkeeper's own security kinds (Operator, NatsAccount, NatsUser). */
export const SECURITY_API_VERSION = 'jetstream.jetkeeper.io/v1alpha1';

export type SecurityKindName = 'Operator' | 'NatsAccount' | 'NatsUser';
