/** The registry of resource kinds: the one place that lists them. */
import type { ApiConfig, KindName, ResourceKind } from './kind.js';
import { streamKind } from './stream/index.js';
import { consumerKind } from './consumer/index.js';
import { keyValueKind } from './keyvalue/index.js';
import { objectStoreKind } from './objectstore/index.js';
import { accountKind } from './account/index.js';

export const KINDS: readonly ResourceKind<any>[] = [streamKind, consumerKind, keyValueKind, objectStoreKind, accountKind];

export function kindByName(kind: string): ResourceKind<any> | undefined {
  return KINDS.find((k) => k.kind === kind);
}

/** Finds a kind by any name `get` accepts (stream, streams, kv, ...). */
export function kindByAlias(alias: string): ResourceKind<any> | undefined {
  const a = alias.toLowerCase();
  return KINDS.find((k) => k.aliases.includes(a) || k.kind.toLowerCase() === a);
}

/** The kind a live stream belongs to (KV_ and OBJ_ streams are buckets). */
export function kindOfLiveStream(config: ApiConfig): ResourceKind {
  return KINDS.find((k) => k.kind !== 'Stream' && k.claims?.(config)) ?? kindByName('Stream')!;
}

export function kindNames(): KindName[] {
  return KINDS.map((k) => k.kind);
}

export * from './kind.js';
export { parseDuration, formatDuration } from './duration.js';

import { operatorKind } from './operator/index.js';
import { natsAccountKind } from './natsaccount/index.js';
import { natsUserKind } from './natsuser/index.js';
import type { SecurityKind } from './security.js';

/** jetkeeper's security kinds (`jetstream.jetkeeper.io/v1alpha1`), planned by `jetkeeper accounts`. */
export const SECURITY_KINDS: readonly SecurityKind<any>[] = [operatorKind, natsAccountKind, natsUserKind];

export function securityKindByName(kind: string): SecurityKind<any> | undefined {
  return SECURITY_KINDS.find((k) => k.kind === kind);
}

export type { SecurityKind } from './security.js';
export type { OperatorSpec } from './operator/index.js';
export type { NatsAccountSpec, JetStreamLimitsSpec, ExportSpec, ImportSpec } from './natsaccount/index.js';
export type { NatsUserSpec, PermissionsSpec } from './natsuser/index.js';
