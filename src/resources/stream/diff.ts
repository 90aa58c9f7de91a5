/** What a stream config means regardless of who wrote it: server defaults filled, server additions removed. */
import type { ApiConfig, FeatureGate, ImmutableRule } from '../kind.js';
import { normaliseWith } from '../kind.js';
import { normaliseSource } from '../common.js';
import {
  durationsOf, featuresOf, immutablesOf, optionalFieldsOf, serverDefaultsOf, specFieldsOf, zeroIsDefaultOf,
} from '../fields.js';
import { STREAM_FIELDS } from './fields.js';
import { defaultDuplicateWindow } from './map.js';

/** The server's defaults for every stream field jetkeeper manages (measured on 2.9.10 and 2.15.2). */
export const STREAM_DEFAULTS: Readonly<Record<string, unknown>> = serverDefaultsOf(STREAM_FIELDS);

const STREAM_OPTIONAL = optionalFieldsOf(STREAM_FIELDS);

/** Limits the server stores as -1 (unlimited) when they are sent as 0. */
export const STREAM_ZERO_IS_UNLIMITED: readonly string[] = zeroIsDefaultOf(STREAM_FIELDS);

/** What the server stores in a sealed stream, whatever was sent (stream.go configUpdateCheck). */
const SEALED = { max_age: 0, discard: 'new', deny_delete: true, deny_purge: true, allow_rollup_hdrs: false } as const;

/** consumer_limits without the entries of 0 (the server leaves them out: no limit). */
function normaliseConsumerLimits(limits: unknown): ApiConfig | undefined {
  const out: ApiConfig = {};
  for (const [k, v] of Object.entries((limits ?? {}) as ApiConfig)) if (v !== 0) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export function normaliseStream(config: ApiConfig): ApiConfig {
  const out = normaliseWith(config, STREAM_DEFAULTS, STREAM_OPTIONAL);
  for (const key of STREAM_ZERO_IS_UNLIMITED) if (out[key] === 0) out[key] = STREAM_DEFAULTS[key];
  // A duplicate window of 0 asks for the server's default.
  if (out.duplicate_window === undefined || out.duplicate_window === 0) {
    out.duplicate_window = defaultDuplicateWindow(out.max_age as number);
  }
  // Subject delete markers and message schedules need roll-ups: the server (2.11.4 on) turns them
  // on and purge denial off; both sides say so, whichever version stored the config.
  const markers = typeof out.subject_delete_marker_ttl === 'number' && out.subject_delete_marker_ttl > 0;
  if (markers) out.allow_msg_ttl = true;
  if (markers || out.allow_msg_schedules === true) Object.assign(out, { allow_rollup_hdrs: true, deny_purge: false });
  // Sealing rewrites the limits: no age limit, discard new, no deletes, purges or rollups.
  if (out.sealed === true) Object.assign(out, SEALED);
  const limits = normaliseConsumerLimits(out.consumer_limits);
  if (limits) out.consumer_limits = limits;
  else delete out.consumer_limits;
  if (out.persist_mode === '') out.persist_mode = 'default';
  if (out.mirror) out.mirror = normaliseSource(out.mirror);
  if (Array.isArray(out.sources)) out.sources = out.sources.map(normaliseSource);
  if (out.republish) out.republish = { headers_only: false, ...(out.republish as object) };
  // The server fills a missing subject list with the stream name (unless it mirrors or sources).
  if (out.subjects === undefined && !out.mirror && !out.sources) out.subjects = [out.name];
  return out;
}

export const STREAM_IMMUTABLE: readonly ImmutableRule[] = immutablesOf(STREAM_FIELDS);

export const STREAM_FEATURES: readonly FeatureGate[] = featuresOf(STREAM_FIELDS);

export const STREAM_SPEC_FIELDS: Readonly<Record<string, string>> = specFieldsOf(STREAM_FIELDS);

export const STREAM_DURATIONS: readonly string[] = durationsOf(STREAM_FIELDS);
