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
import { NO_EXTRA, type ExtraInput } from './extra.js';

export type Strings = Readonly<Record<string, string>>;

export interface LintContext {
  readonly resources: readonly Resource[];
  readonly config: LintConfig;
  /** the security model (Operator, NatsAccount, NatsUser) when the input declares a valid one */
  readonly security?: ExtraInput['security'];
  /** the security documents as resources, for positions and inline ignores */
  readonly securityResources: readonly Resource[];
  /** the valid BackupPolicy documents of the input */
  readonly backupPolicies: ExtraInput['backupPolicies'];
  streams(): Resource<StreamSpec>[];
  consumers(): Resource<ConsumerSpec>[];
  /** the declared stream a consumer reads (same target, spec.name = streamName) */
  streamOf(consumer: Resource<ConsumerSpec>): Resource<StreamSpec> | undefined;
  consumersOf(stream: Resource<StreamSpec>): Resource<ConsumerSpec>[];
  /** other streams on the same connection target */
  neighbours(stream: Resource<StreamSpec>): Resource<StreamSpec>[];
  /** the connection target of a resource (namespace, account, servers, domain), computed once */
  target(r: Resource): string;
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

/** Groups by a key, keeping order. */
function groupBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

export function lintContext(resources: readonly Resource[], config: LintConfig, extra: ExtraInput = NO_EXTRA): LintContext {
  const targets = new Map(resources.map((r) => [r, connectionTarget(r)]));
  const target = (r: Resource) => targets.get(r) ?? connectionTarget(r);
  const streams = resources.filter((r): r is Resource<StreamSpec> => r.kind === 'Stream');
  const consumers = resources.filter((r): r is Resource<ConsumerSpec> => r.kind === 'Consumer');
  const byName = new Map(streams.map((s) => [`${target(s)}\u0000${s.spec.name}`, s]));
  const streamOf = (c: Resource<ConsumerSpec>) => byName.get(`${target(c)}\u0000${c.spec.streamName}`);
  const readers = groupBy(consumers, (c) => {
    const s = streamOf(c);
    return s ? `${target(s)}\u0000${s.spec.name}` : undefined;
  });
  const byTarget = groupBy(streams, target);
  const ctx: LintContext = {
    resources,
    config,
    security: extra.security,
    securityResources: extra.securityResources,
    backupPolicies: extra.backupPolicies,
    streams: () => streams,
    consumers: () => consumers,
    streamOf,
    consumersOf: (s) => readers.get(`${target(s)}\u0000${s.spec.name}`) ?? [],
    neighbours: (s) => (byTarget.get(target(s)) ?? []).filter((o) => o !== s),
    target,
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
