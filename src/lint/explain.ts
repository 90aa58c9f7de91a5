/**
 * `explain`: what a manifest field means, its allowed values, NACK's CRD default and the
 * server's, the server version that introduced it, how the server treats a change, and the lint
 * rules about it. Read from the field tables (src/resources/<kind>/fields.ts), the descriptions,
 * the JSON Schema and the lint rules; nothing here is written twice.
 */
import { JkError } from '../errors.js';
import { manifestJsonSchema, GO_DURATION_PATTERN, type JsonSchema } from '../manifests/jsonschema.js';
import { knownKeysAt, suggest } from '../manifests/validate.js';
import { CONSUMER_FIELDS } from '../resources/consumer/fields.js';
import { DEFAULT_ACK_WAIT_NS, DEFAULT_MAX_ACK_PENDING, DEFAULT_MAX_WAITING } from '../resources/consumer/values.js';
import { fieldDescription } from '../resources/descriptions.js';
import { formatDuration } from '../resources/duration.js';
import type { FieldDef, FieldTable } from '../resources/fields.js';
import { compareVersions, KINDS, kindByAlias, type KindName, type ResourceKind } from '../resources/index.js';
import { STREAM_FIELDS } from '../resources/stream/fields.js';
import { RULES } from './rules/index.js';

const TABLES: Partial<Record<KindName, FieldTable>> = { Stream: STREAM_FIELDS, Consumer: CONSUMER_FIELDS };

export interface FieldExplanation {
  kind: KindName;
  field: string;
  description?: string;
  /** in words: the values the manifest may write */
  allowed: string;
  /** NACK's CRD default, applied to a manifest that leaves the field out */
  nackDefault?: unknown;
  /** what the server stores when the field is absent from the API config */
  serverDefault?: unknown;
  /** the JetStream API (snake_case) field */
  apiField?: string;
  since?: string;
  apiLevel?: number;
  /** versions that some values need (e.g. ackPolicy: flow_control) */
  valueSince?: { what: string; since: string }[];
  /** update: changed in place; create: a change needs delete + create; turnOn: can be turned on, never off */
  change?: string;
  changeNote?: string;
  lintRules: { id: string; name: string; severity: string; title: string; docs: string }[];
}

export type ExplainResult =
  | { type: 'field'; field: FieldExplanation }
  | { type: 'fields'; kind: KindName; fields: { field: string; description?: string }[] }
  | { type: 'kinds'; kinds: { kind: KindName; prefix: string }[] }
  | { type: 'matches'; matches: { kind: KindName; field: string; name: string; description?: string }[] };

/** NACK CRD defaults jetkeeper deliberately does not apply (the schema has none for them). */
const NACK_ONLY_DEFAULTS: Readonly<Record<string, string>> = {
  'consumer.ackWait': '1ns in NACK\'s CRD (nats-io/nack#136); jetkeeper does not apply it and sends nothing',
};

/** Server defaults that depend on the rest of the config (filled by normaliseConsumer, not by a table row). */
const COMPUTED_SERVER_DEFAULTS: Readonly<Record<string, string>> = {
  'consumer.ackWait': `${formatDuration(DEFAULT_ACK_WAIT_NS)} with ackPolicy explicit or all (the first backoff step when backoff is set)`,
  'consumer.maxAckPending': `${DEFAULT_MAX_ACK_PENDING} with ackPolicy explicit or all`,
  'consumer.maxWaiting': `${DEFAULT_MAX_WAITING} for pull consumers`,
};

const prefixOf = (k: ResourceKind) => k.kind.toLowerCase();

/** The keys of a kind's spec, in schema order. */
const specKeys = (k: ResourceKind): string[] => knownKeysAt(k.schema, []);

function unknownField(message: string, fix: string): JkError {
  return new JkError('JK1203', { message, fix });
}

/** Explains `kind.field`; lists the kinds (no argument) or the fields matching a partial name. */
export function explain(query = ''): ExplainResult {
  const [kindPart, ...rest] = query.trim().split('.');
  // `stream.` lists the fields like `stream`
  if (rest.length === 1 && rest[0] === '') rest.pop();
  if (!kindPart) return { type: 'kinds', kinds: KINDS.map((k) => ({ kind: k.kind, prefix: prefixOf(k) })) };
  const kind = kindByAlias(kindPart);
  if (!kind && !rest.length) {
    const one = acrossKinds(kindPart);
    if (one) return one;
  }
  if (!kind) {
    throw unknownField(`unknown kind ${JSON.stringify(kindPart)}`, `start with one of ${KINDS.map(prefixOf).join(', ')} (e.g. stream.retention)${suggest(kindPart, KINDS.map(prefixOf))}`);
  }
  const name = rest.join('.');
  const keys = specKeys(kind);
  const exact = keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === name.toLowerCase());
  if (exact) return { type: 'field', field: explainField(kind, exact) };
  const matching = keys.filter((k) => k.toLowerCase().startsWith(name.toLowerCase()));
  if (!matching.length) {
    throw unknownField(`${prefixOf(kind)} has no field ${JSON.stringify(name)}`, `run jetkeeper explain ${prefixOf(kind)} for its fields${suggest(name, keys)}`);
  }
  return { type: 'fields', kind: kind.kind, fields: matching.map((field) => ({ field, description: fieldDescription(kind.kind, field) })) };
}

/** A field name without its kind (`ackWait`): the one field of that name, or every kind's field starting so. */
function acrossKinds(name: string): ExplainResult | undefined {
  const all = KINDS.flatMap((k) => specKeys(k).map((field) => ({ k, field })));
  const exact = all.filter((x) => x.field.toLowerCase() === name.toLowerCase());
  if (exact.length === 1) return { type: 'field', field: explainField(exact[0].k, exact[0].field) };
  const found = exact.length ? exact : all.filter((x) => x.field.toLowerCase().startsWith(name.toLowerCase()));
  if (!found.length) return undefined;
  return { type: 'matches', matches: found.map(({ k, field }) => ({ kind: k.kind, field, name: `${prefixOf(k)}.${field}`, description: fieldDescription(k.kind, field) })) };
}

function explainField(kind: ResourceKind, field: string): FieldExplanation {
  const def = TABLES[kind.kind]?.[field];
  const js = ((manifestJsonSchema(kind.kind).properties as Record<string, JsonSchema>).spec.properties as Record<string, JsonSchema>)[field] ?? {};
  const key = `${prefixOf(kind)}.${field}`;
  return dropUndefined({
    kind: kind.kind,
    field,
    description: fieldDescription(kind.kind, field),
    allowed: allowedValues(js),
    nackDefault: NACK_ONLY_DEFAULTS[key] ?? (js.default === '' ? undefined : js.default),
    serverDefault: COMPUTED_SERVER_DEFAULTS[key] ?? (def ? serverDefault(def) : undefined),
    apiField: def?.api,
    ...(def ? { since: def.since, apiLevel: def.apiLevel, valueSince: def.valueGates?.map((g) => ({ what: g.what, since: g.since })) } : gatesOf(kind, field)),
    change: def?.change,
    changeNote: def?.reason,
    lintRules: RULES.filter((r) => r.fields.includes(key)).map((r) => ({ id: r.id, name: r.name, severity: r.severity, title: r.title, docs: `docs/lint/${r.id}.md` })),
  });
}

/** Version gates of a kind without a field table: its feature gates on the API fields the spec field fills. */
function gatesOf(kind: ResourceKind, field: string): Pick<FieldExplanation, 'since' | 'apiLevel' | 'valueSince'> {
  const gates = kind.features.filter((g) => kind.specFields[g.field] === field);
  const whole = gates.filter((g) => !g.what).sort((a, b) => compareVersions(b.since, a.since))[0];
  return { since: whole?.since, apiLevel: whole?.apiLevel, valueSince: gates.filter((g) => g.what).map((g) => ({ what: g.what!, since: g.since })) };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0 && v !== (o as { lintRules?: unknown }).lintRules))) as T;
}

function serverDefault(def: FieldDef): unknown {
  if (def.serverDefault === undefined) return undefined;
  if (def.type === 'duration' && typeof def.serverDefault === 'number') return def.serverDefault === 0 ? '0s (none)' : formatDuration(def.serverDefault);
  return def.serverDefault;
}

/** The values a JSON Schema node allows, in words. */
export function allowedValues(js: JsonSchema): string {
  if (Array.isArray(js.enum)) return js.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (js.const !== undefined) return JSON.stringify(js.const);
  if (Array.isArray(js.anyOf)) return [...new Set((js.anyOf as JsonSchema[]).map(allowedValues))].join(' | ');
  if (typeof js.pattern === 'string' && js.pattern.endsWith(GO_DURATION_PATTERN)) return js.pattern.startsWith('^$|') ? 'a Go duration (30s, 5m, 24h, 1h30m) or ""' : 'a Go duration (30s, 5m, 24h, 1h30m)';
  switch (js.type) {
    case 'integer': return range('an integer', js);
    case 'number': return range('a number', js);
    case 'boolean': return 'true | false';
    case 'string': return typeof js.format === 'string' ? `a string (${js.format})` : 'a string';
    case 'array': return `a list of ${allowedValues((js.items ?? {}) as JsonSchema).replace(/^an? /, '')}s`.replace(/ss$/, 's');
    case 'object': return js.properties ? `a mapping with ${Object.keys(js.properties as object).join(', ')}` : 'a mapping of strings';
    default: return 'any value';
  }
}

function range(what: string, js: JsonSchema): string {
  const min = typeof js.minimum === 'number' ? js.minimum : undefined;
  const max = typeof js.maximum === 'number' && js.maximum < Number.MAX_SAFE_INTEGER ? js.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  if (min !== undefined) return `${what} >= ${min}${min === -1 ? ' (-1: unlimited)' : ''}`;
  return what;
}

/** The explanation as text. */
export function renderExplain(r: ExplainResult): string {
  if (r.type === 'kinds') return ['Kinds (explain KIND for its fields, KIND.FIELD for one field):', ...r.kinds.map((k) => `  ${k.prefix}  (${k.kind})`)].join('\n');
  if (r.type === 'matches') {
    const width = Math.max(...r.matches.map((m) => m.name.length));
    return ['Fields of that name (explain KIND.FIELD for one):', ...r.matches.map((m) => `  ${m.name.padEnd(width)}  ${m.description ?? ''}`.trimEnd())].join('\n');
  }
  if (r.type === 'fields') {
    const width = Math.max(...r.fields.map((f) => f.field.length));
    return [`${r.kind} fields:`, ...r.fields.map((f) => `  ${f.field.padEnd(width)}  ${f.description ?? ''}`.trimEnd())].join('\n');
  }
  return renderField(r.field);
}

function renderField(f: FieldExplanation): string {
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const lines = [`${f.kind.toLowerCase()}.${f.field}${f.apiField ? `  (API: ${f.apiField})` : ''}`];
  if (f.description) lines.push(`  ${f.description}`);
  lines.push(`  allowed:        ${f.allowed}`);
  lines.push(`  NACK default:   ${f.nackDefault === undefined ? '(none: absent)' : show(f.nackDefault)}`);
  if (f.serverDefault !== undefined) lines.push(`  server default: ${show(f.serverDefault)}`);
  lines.push(`  since:          ${f.since ? `nats-server ${f.since}${f.apiLevel ? ` (API level ${f.apiLevel})` : ''}` : 'before 2.9.0 (every supported server)'}`);
  for (const g of f.valueSince ?? []) lines.push(`                  ${g.what}: nats-server ${g.since}`);
  if (f.change) lines.push(`  on change:      ${f.change === 'update' ? 'updated in place' : f.change === 'turnOn' ? `can be turned on, never off${f.changeNote ? ` (${f.changeNote})` : ''}` : `needs delete + create${f.changeNote ? ` (${f.changeNote})` : ''}`}`);
  lines.push(f.lintRules.length ? '  lint rules:' : '  lint rules:     (none)');
  for (const r of f.lintRules) lines.push(`    ${r.id} ${r.name} (${r.severity}): ${r.title}  ${r.docs}`);
  return lines.join('\n');
}
