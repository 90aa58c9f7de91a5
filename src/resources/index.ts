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
