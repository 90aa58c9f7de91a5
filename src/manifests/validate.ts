/**
 * Documents -> typed resources. Every error names the resource, the field, file:line:col,
 * what is wrong and the fix; all errors of a run are collected, not just the first.
 */
import type { z } from 'zod';
import { JkError, type ErrorCode } from '../errors.js';
import { API_VERSION, type KindName, type ResourceKind, type Target } from '../resources/kind.js';
import { KINDS, kindByName } from '../resources/index.js';
import type { FieldPath, ManifestDocument } from './load.js';

export interface Resource<Spec = unknown> {
  kind: KindName;
  /** metadata.name */
  name: string;
  namespace?: string;
  spec: Spec;
  /** stable key: `Stream/ORDERS`, `Consumer/ORDERS/fulfillment`, `Account/<metadata.name>` */
  key: string;
  target?: Target;
  /** where it came from (absent for resources built in code) */
  doc?: ManifestDocument;
}

export interface ValidationResult {
  resources: Resource[];
  errors: JkError[];
  /** documents that are not jetstream.nats.io resources (e.g. a Deployment beside them) */
  skipped: { file: string; index: number; apiVersion: string; kind: string }[];
}

/** The key that identifies a resource on the server. */
export function resourceKey(kind: KindName, name: string, target: Target | undefined): string {
  if (!target) return `${kind}/${name}`;
  if (target.type === 'consumer') return `${kind}/${target.stream}/${target.consumer}`;
  // buckets are named by bucket, not by their KV_/OBJ_ stream
  return `${kind}/${kind === 'KeyValue' || kind === 'ObjectStore' ? target.stream.replace(/^(KV|OBJ)_/, '') : target.stream}`;
}

const TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

export function validateDocuments(docs: readonly ManifestDocument[]): ValidationResult {
  const result: ValidationResult = { resources: [], errors: [], skipped: [] };
  for (const doc of docs) {
    const r = validateDocument(doc, result);
    if (r) result.resources.push(r);
  }
  checkDuplicates(result);
  checkReferences(result);
  result.errors.sort(byPosition);
  return result;
}

/** Errors in file order, so a reader can walk down the file. */
function byPosition(a: JkError, b: JkError): number {
  if (!a.at || !b.at) return 0;
  return a.at.file === b.at.file ? a.at.line - b.at.line || a.at.col - b.at.col : a.at.file < b.at.file ? -1 : 1;
}

function validateDocument(doc: ManifestDocument, result: ValidationResult): Resource | undefined {
  const { apiVersion, kind, metadata, spec } = doc.data as { apiVersion?: unknown; kind?: unknown; metadata?: unknown; spec?: unknown };
  const where = (path: FieldPath) => doc.positionOf(path);
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('jetstream.nats.io/')) {
    if (typeof apiVersion === 'string' && typeof kind === 'string') {
      result.skipped.push({ file: doc.file, index: doc.index, apiVersion, kind });
      return undefined;
    }
    result.errors.push(new JkError('JK1003', {
      message: 'missing apiVersion or kind',
      at: where([]),
      fix: `start the document with apiVersion: ${API_VERSION} and kind: Stream|Consumer|KeyValue|ObjectStore|Account`,
    }));
    return undefined;
  }
  const rk = typeof kind === 'string' ? kindByName(kind) : undefined;
  if (!rk) {
    result.errors.push(new JkError('JK1003', {
      message: `unknown kind ${JSON.stringify(kind)}`,
      at: where(['kind']),
      fix: `use one of ${KINDS.map((k) => k.kind).join(', ')}${suggest(String(kind), KINDS.map((k) => k.kind))}`,
    }));
    return undefined;
  }
  if (apiVersion !== API_VERSION) {
    result.errors.push(new JkError('JK1003', {
      message: `unsupported apiVersion ${apiVersion}`,
      at: where(['apiVersion']),
      fix: `use apiVersion: ${API_VERSION}`,
    }));
    return undefined;
  }
  const md = (metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof md.name === 'string' && md.name ? md.name : undefined;
  const ref = `${rk.kind}/${name ?? '?'}`;
  if (!name) {
    result.errors.push(new JkError('JK1006', { message: 'metadata.name is required', resource: ref, field: 'metadata.name', at: where(['metadata']), fix: 'add metadata: { name: <name> }' }));
  }
  for (const key of Object.keys(doc.data)) {
    if (!TOP_LEVEL.has(key)) {
      result.errors.push(new JkError('JK1004', { message: `unknown field "${key}"`, resource: ref, field: key, at: doc.keyPositionOf([key]), fix: `remove it${suggest(key, [...TOP_LEVEL])}` }));
    }
  }
  if (spec === undefined || spec === null || typeof spec !== 'object') {
    result.errors.push(new JkError('JK1006', { message: 'spec is required', resource: ref, field: 'spec', at: where([]), fix: `add a spec: \`jetkeeper schema ${rk.kind}\` prints its fields` }));
    return undefined;
  }
  const parsed = rk.schema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) result.errors.push(...issueErrors(issue, rk, ref, doc));
    return undefined;
  }
  if (!name) return undefined;
  const target = rk.target(parsed.data);
  return {
    kind: rk.kind,
    name,
    namespace: typeof md.namespace === 'string' ? md.namespace : undefined,
    spec: parsed.data,
    key: resourceKey(rk.kind, name, target),
    target,
    doc,
  };
}

type Issue = z.core.$ZodIssue;

function issueErrors(issue: Issue, rk: ResourceKind, ref: string, doc: ManifestDocument): JkError[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const field = ['spec', ...path].join('.');
  const valueAt = getPath(doc.data.spec, path);
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(rk.schema, path);
    return issue.keys.map((key) => new JkError('JK1004', {
      message: `unknown field "${key}"`,
      resource: ref,
      field: `${field}.${key}`,
      at: doc.keyPositionOf(['spec', ...path, key]),
      fix: `remove it${suggest(key, known)}`,
    }));
  }
  const at = doc.positionOf(['spec', ...path]);
  const base = { resource: ref, field, at };
  if (issue.code === 'invalid_type' && valueAt === undefined) {
    return [new JkError('JK1006', { ...base, message: 'required field is missing', fix: `add ${field} (${article(issue.expected)})` })];
  }
  if (issue.code === 'invalid_type') {
    return [new JkError('JK1005', { ...base, message: `expected ${article(issue.expected)}, got ${describe(valueAt)}`, fix: `write ${field} as ${article(issue.expected)}` })];
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
    return [new JkError('JK1005', { ...base, message: `${describe(valueAt)} is not allowed`, fix: `use one of ${values}${suggest(String(valueAt), issue.values.map(String))}` })];
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    return [new JkError('JK1005', { ...base, message: `${describe(valueAt)} is out of range`, fix: issue.message.replace(/^Too (small|big): /, '') })];
  }
  if (issue.code === 'invalid_union') {
    // duration fields are `'' | duration`: report the duration error, not the union.
    const inner = issue.errors.flat().find((i) => i.code === 'custom');
    if (inner) return issueErrors({ ...inner, path: [...issue.path, ...inner.path] }, rk, ref, doc);
  }
  const params = issue.code === 'custom' ? (issue.params as { code?: ErrorCode; fix?: string } | undefined) : undefined;
  const code = params?.code || 'JK1005';
  const fix = params?.fix ? params.fix : code === 'JK1007' ? 'use a Go duration such as 500ms, 30s, 5m, 24h or 1h30m' : code === 'JK1009' ? 'change one of the conflicting fields' : 'correct the value';
  return [new JkError(code, { ...base, message: issue.message, fix })];
}

function article(t: string): string {
  const s = { string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping' }[t];
  return s ?? t;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (v !== null && typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function getPath(v: unknown, path: FieldPath): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

interface ZodInternals { _zod: { def: { type: string; shape?: Record<string, unknown>; innerType?: unknown; element?: unknown; in?: unknown } } }

/** The field names a zod object schema accepts at `path` (for "did you mean"). */
export function knownKeysAt(schema: unknown, path: FieldPath): string[] {
  let s = schema as ZodInternals | undefined;
  const unwrap = () => {
    while (s && ['optional', 'default', 'nullable', 'pipe', 'prefault'].includes(s._zod.def.type)) {
      s = (s._zod.def.innerType ?? s._zod.def.in) as ZodInternals;
    }
  };
  unwrap();
  for (const p of path) {
    if (!s) return [];
    if (s._zod.def.type === 'object' && typeof p === 'string') s = s._zod.def.shape?.[p] as ZodInternals;
    else if (s._zod.def.type === 'array') s = s._zod.def.element as ZodInternals;
    else return [];
    unwrap();
  }
  return s?._zod.def.type === 'object' ? Object.keys(s._zod.def.shape ?? {}) : [];
}

/** ", did you mean maxAge?" when a known name is close (edit distance, case, snake_case). */
export function suggest(word: string, candidates: readonly string[]): string {
  const camel = word.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c === camel || c.toLowerCase() === lower) return `; did you mean "${c}"?`;
    const d = distance(lower, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? `; did you mean "${best}"?` : '';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function checkDuplicates(result: ValidationResult): void {
  const seen = new Map<string, Resource>();
  const unique: Resource[] = [];
  for (const r of result.resources) {
    const first = seen.get(r.key);
    if (first) {
      const fp = first.doc ? `${first.doc.file}:${first.doc.positionOf([]).line}` : 'another document';
      result.errors.push(new JkError('JK1008', {
        message: `${r.key} is declared twice (first in ${fp})`,
        resource: `${r.kind}/${r.name}`,
        at: r.doc?.positionOf(['spec']),
        fix: 'keep one declaration of each stream, consumer and bucket',
      }));
      continue;
    }
    seen.set(r.key, r);
    unique.push(r);
  }
  result.resources = unique;
}

function checkReferences(result: ValidationResult): void {
  const accounts = new Set(result.resources.filter((r) => r.kind === 'Account').map((r) => `${r.namespace ?? ''}/${r.name}`));
  for (const r of result.resources) {
    const account = (r.spec as { account?: string }).account;
    if (account && !accounts.has(`${r.namespace ?? ''}/${account}`)) {
      result.errors.push(new JkError('JK1011', {
        message: `account "${account}" is not declared${r.namespace ? ` in namespace ${r.namespace}` : ''}`,
        resource: `${r.kind}/${r.name}`,
        field: 'spec.account',
        at: r.doc?.positionOf(['spec', 'account']),
        fix: 'declare an Account with that metadata.name beside this resource, or remove spec.account',
      }));
    }
  }
}
