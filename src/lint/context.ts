/**
 * What every rule may ask about the input: streams and consumers by connection target, a
 * resource's annotations and labels, what the manifest wrote (before CRD defaults), and the
 * configuration.
 */
import { connectionTarget } from '../manifests/cross.js';
import type { Resource } from '../manifests/validate.js';
import type { ConsumerSpec } from '../resources/consumer/schema.js';
import type { StreamSpec } from '../resources/stream/schema.js';
import type { LintConfig } from './config.js';

export type Strings = Readonly<Record<string, string>>;

export interface LintContext {
  readonly resources: readonly Resource[];
  readonly config: LintConfig;
  streams(): Resource<StreamSpec>[];
  consumers(): Resource<ConsumerSpec>[];
  /** the declared stream a consumer reads (same target, spec.name = streamName) */
  streamOf(consumer: Resource<ConsumerSpec>): Resource<StreamSpec> | undefined;
  consumersOf(stream: Resource<StreamSpec>): Resource<ConsumerSpec>[];
  /** other streams on the same connection target */
  neighbours(stream: Resource<StreamSpec>): Resource<StreamSpec>[];
  annotations(r: Resource): Strings;
  /** whether the manifest itself wrote spec.<field> (CRD defaults do not count) */
  written(r: Resource, field: string): boolean;
  /** marked non-critical (annotation or label, see LintConfig.nonCritical) */
  nonCritical(r: Resource): boolean;
}

function stringsAt(r: Resource, key: 'annotations' | 'labels'): Strings {
  const md = r.doc?.data.metadata as Record<string, unknown> | undefined;
  const v = md?.[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Strings;
}

const streamKey = (r: Resource, name: string) => `${connectionTarget(r)}\u0000${name}`;

export function lintContext(resources: readonly Resource[], config: LintConfig): LintContext {
  const streams = resources.filter((r): r is Resource<StreamSpec> => r.kind === 'Stream');
  const consumers = resources.filter((r): r is Resource<ConsumerSpec> => r.kind === 'Consumer');
  const byName = new Map(streams.map((s) => [streamKey(s, s.spec.name), s]));
  const streamOf = (c: Resource<ConsumerSpec>) => byName.get(streamKey(c, c.spec.streamName));
  const ctx: LintContext = {
    resources,
    config,
    streams: () => streams,
    consumers: () => consumers,
    streamOf,
    consumersOf: (s) => consumers.filter((c) => streamOf(c) === s),
    neighbours: (s) => streams.filter((o) => o !== s && connectionTarget(o) === connectionTarget(s)),
    annotations: (r) => stringsAt(r, 'annotations'),
    written: (r, field) => {
      const spec = r.doc?.data.spec as Record<string, unknown> | undefined;
      return r.doc ? spec?.[field] !== undefined : true;
    },
    nonCritical: (r) => {
      const { key, value } = config.nonCritical;
      return stringsAt(r, 'annotations')[key] === value || stringsAt(r, 'labels')[key] === value;
    },
  };
  return ctx;
}

/** The annotations jetkeeper's lint reads. */
export const ANNOTATIONS = {
  ignore: 'jetkeeper.io/lint-ignore',
  alerting: 'jetkeeper.io/alerting',
  processingTime: 'jetkeeper.io/processing-time',
  backup: 'jetkeeper.io/backup',
} as const;
