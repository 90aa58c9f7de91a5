/**
 * One table of fields per kind: each row says what a manifest field is on the wire and how the
 * server treats it. A kind's zod split (updatable / create-only), immutables, server defaults,
 * spec <-> API names, duration fields and feature gates are all read off its table.
 */
import type { z } from 'zod';
import { compact, durationFromApi, flag, ns, positive } from './common.js';
import { compareVersions, userMetadata, type ApiConfig, type FeatureGate, type ImmutableRule } from './kind.js';

/**
 * How the server treats a change on an existing asset (measured on nats-server 2.15.2):
 * `update` changes in place; `create` is refused (a change needs delete + create);
 * `turnOn` can be turned on later but never off again.
 */
export type ChangeClass = 'update' | 'create' | 'turnOn';

/** What the value is, for display and conversion. */
export type FieldType =
  | 'duration' | 'durations' | 'size' | 'int' | 'bool' | 'enum' | 'string' | 'strings' | 'timestamp' | 'object' | 'map';

/** A gate on some values of a field only (e.g. ackPolicy flow_control). */
export interface ValueGate {
  since: string;
  apiLevel?: number;
  /** the gated part in manifest terms, e.g. `ackPolicy: flow_control` */
  what: string;
  uses: (value: unknown) => boolean;
}

export interface FieldDef<
  S extends z.ZodType = z.ZodType, C extends ChangeClass = ChangeClass, A extends string = string, T extends FieldType = FieldType,
> {
  /** zod schema of the manifest field, with NACK's CRD default */
  schema: S;
  /** API (snake_case) field; undefined when the field is not part of the API config (streamName) */
  api?: A;
  /** more API fields the spec field fills (a consumer's durableName is also its name) */
  alsoApi?: readonly string[];
  type: T;
  change: C;
  /** create / turnOn: only these changes (live -> desired) are refused; default: every change */
  refuses?: (live: unknown, desired: unknown) => boolean;
  /** create / turnOn: the server's rule in words, e.g. "a sealed stream cannot be unsealed" */
  reason?: string;
  /** what the server stores when the field is absent; undefined: nothing (the field stays absent) */
  serverDefault?: unknown;
  /** the server reads 0 as "absent" and stores its default instead (limits of 0 are unlimited) */
  zeroIsDefault?: boolean;
  /** first server version that knows the field */
  since?: string;
  /** JetStream API level the server requires for it (`_nats.req.level`; $JS.API.INFO api.level) */
  apiLevel?: number;
  /** version gates on some values only */
  valueGates?: readonly ValueGate[];
  /** spec value -> API value (undefined: leave the field out); default: by `type` */
  toApi?(value: z.output<S>, spec: SpecValues): unknown;
  /** API value -> the shortest spec value (undefined: leave it out); default: by `type` */
  fromApi?(value: unknown, config: ApiConfig): unknown;
}

type SpecValues = Readonly<Record<string, unknown>>;

export type FieldTable = Readonly<Record<string, FieldDef>>;

/** One row; keeps the literal change class, API name and type so the zod split and the API config stay typed. */
export const field = <S extends z.ZodType, C extends ChangeClass, A extends string, T extends FieldType>(
  def: FieldDef<S, C, A, T>,
): FieldDef<S, C, A, T> => def;

/** The wire value of a field type. */
type ApiValue<T extends FieldType> =
  T extends 'duration' | 'size' | 'int' ? number
    : T extends 'durations' ? number[]
      : T extends 'bool' ? boolean
        : T extends 'strings' ? string[]
          : T extends 'map' ? Record<string, string>
            : T extends 'object' ? unknown
              : string;

/** The JetStream API config a table describes: its API fields with their wire types, all optional. */
export type ApiConfigOf<T extends FieldTable> = {
  [K in keyof T as T[K] extends FieldDef<z.ZodType, ChangeClass, infer A> ? (string extends A ? never : A) : never]?: ApiValue<T[K]['type']>;
};

type SchemasOf<T extends FieldTable, C extends ChangeClass> = {
  [K in keyof T as T[K]['change'] extends C ? K : never]: T[K]['schema'];
};

/** The zod shape of the rows whose change class is one of `changes`. */
export function schemasOf<T extends FieldTable, C extends ChangeClass>(table: T, ...changes: C[]): SchemasOf<T, C> {
  const out: Record<string, z.ZodType> = {};
  for (const [spec, def] of Object.entries(table)) if ((changes as ChangeClass[]).includes(def.change)) out[spec] = def.schema;
  return out as SchemasOf<T, C>;
}

const becomesFalse = (live: unknown, desired: unknown) => live === true && desired !== true;

/** The server's refusals: every create-only and turn-on-only row. */
export function immutablesOf(table: FieldTable): ImmutableRule[] {
  return Object.entries(table)
    .filter(([, d]) => d.change !== 'update' && d.api)
    .map(([spec, d]) => ({
      field: d.api!,
      when: d.refuses ?? (d.change === 'turnOn' ? becomesFalse : undefined),
      reason: d.reason ?? `the server cannot change ${spec} in place`,
    }))
    .map((r) => (r.when ? r : { field: r.field, reason: r.reason }));
}

/** Field -> version gates, oldest version first; the gates on values after the whole fields. */
export function featuresOf(table: FieldTable): FeatureGate[] {
  const rows = Object.values(table).filter((d) => d.api);
  const whole = rows.filter((d) => d.since).map((d): FeatureGate => compactGate({ field: d.api!, since: d.since!, apiLevel: d.apiLevel }));
  const values = rows.flatMap((d) => (d.valueGates ?? []).map((g): FeatureGate => compactGate({ field: d.api!, ...g })));
  return [...whole.sort((a, b) => compareVersions(a.since, b.since)), ...values];
}

function compactGate(g: FeatureGate): FeatureGate {
  return Object.fromEntries(Object.entries(g).filter(([, v]) => v !== undefined)) as unknown as FeatureGate;
}

/** API field -> spec field (every API field a row fills). */
export function specFieldsOf(table: FieldTable): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [spec, d] of Object.entries(table)) {
    for (const api of [d.api, ...(d.alsoApi ?? [])]) if (api) out[api] = spec;
  }
  return out;
}

/** API fields holding nanoseconds. */
export function durationsOf(table: FieldTable): string[] {
  return Object.values(table).filter((d) => d.api && (d.type === 'duration' || d.type === 'durations')).map((d) => d.api!);
}

/** API field -> what the server stores when it is absent (rows with a server default). */
export function serverDefaultsOf(table: FieldTable): ApiConfig {
  const out: ApiConfig = {};
  for (const d of Object.values(table)) if (d.api && d.serverDefault !== undefined) out[d.api] = d.serverDefault;
  return out;
}

/** API fields where the server stores its default for 0. */
export function zeroIsDefaultOf(table: FieldTable): string[] {
  return Object.values(table).filter((d) => d.api && d.zeroIsDefault).map((d) => d.api!);
}

/** API fields the server leaves absent when they are not given. */
export function optionalFieldsOf(table: FieldTable): string[] {
  return Object.values(table).flatMap((d) => [d.api, ...(d.alsoApi ?? [])]).filter((a): a is string => !!a)
    .filter((a, i, all) => all.indexOf(a) === i)
    .filter((a) => Object.values(table).every((d) => d.api !== a || d.serverDefault === undefined));
}

const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : typeof v === 'object' && v !== null ? Object.keys(v).length > 0 : Boolean(v));

/** The spec -> API conversion of a row without its own. */
function defaultToApi(d: FieldDef, v: unknown): unknown {
  if (d.type === 'duration') return typeof v === 'string' && v ? ns(v) : undefined;
  if (d.type === 'bool') return v === true ? true : undefined;
  if (d.type === 'int' || d.type === 'size' || d.type === 'enum') return v;
  return nonEmpty(v) ? v : undefined;
}

/** The API -> spec conversion of a row without its own: left out when it is the server's default. */
function defaultFromApi(d: FieldDef, v: unknown): unknown {
  if (d.type === 'duration') return durationFromApi(v);
  if (d.type === 'bool') return flag(v);
  if (d.type === 'int' || d.type === 'size') return positive(v);
  if (d.type === 'map') return userMetadata(v);
  if (d.type === 'enum') return v !== undefined && v !== d.serverDefault ? v : undefined;
  return nonEmpty(v) ? v : undefined;
}

/** Spec -> API config, row by row. */
export function toApiOf(table: FieldTable, spec: SpecValues): ApiConfig {
  const out: ApiConfig = {};
  for (const [name, d] of Object.entries(table)) {
    if (!d.api) continue;
    out[d.api] = d.toApi ? d.toApi(spec[name], spec) : defaultToApi(d, spec[name]);
    for (const also of d.alsoApi ?? []) out[also] = out[d.api];
  }
  return compact(out);
}

/** API config -> the shortest spec that maps back to it, row by row. */
export function fromApiOf(table: FieldTable, config: ApiConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(table)) {
    if (d.api) out[name] = d.fromApi ? d.fromApi(config[d.api], config) : defaultFromApi(d, config[d.api]);
  }
  return compact(out);
}
