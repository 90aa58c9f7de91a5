/**
 * Documents -> typed resources. Every error names the resource, the field, file:line:col,
 * what is wrong and the fix; all errors of a run are collected, not just the first.
 */
import type { z } from 'zod';
import { JkError, type ErrorCode, type SourcePosition } from '../errors.js';
import { API_VERSION, type KindName, type ResourceKind, type Target } from '../resources/kind.js';
import { KINDS, kindByName } from '../resources/index.js';
import { checkSpec } from '../resources/kindrules.js';
import type { RuleIssue } from '../resources/rules.js';
import { checkCrossResources, connectionTarget, dropDuplicates } from './cross.js';
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
  /** findings that do not fail the run (an Account in another file, an ignored field) */
  warnings: JkError[];
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

export interface ValidateOptions {
  /**
   * What an `spec.account` naming no Account of the input is: `error` (JK1011, the default:
   * plan and apply need the Account) or `warning` (validating one file of a set).
   */
  references?: 'error' | 'warning';
}

export function validateDocuments(docs: readonly ManifestDocument[], options: ValidateOptions = {}): ValidationResult {
  const result: ValidationResult = { resources: [], errors: [], warnings: [], skipped: [] };
  for (const doc of docs) {
    const r = validateDocument(doc, result);
    if (r) result.resources.push(r);
  }
  result.resources = dropDuplicates(result.resources, result.errors);
  checkCrossResources(result.resources, result.errors);
  checkReferences(result, options.references ?? 'error');
  result.errors.sort(byPosition);
  result.warnings.sort(byPosition);
  return result;
}

/** Errors in file order, so a reader can walk down the file. */
function byPosition(a: JkError, b: JkError): number {
  if (!a.at || !b.at) return 0;
  return a.at.file === b.at.file ? a.at.line - b.at.line || a.at.col - b.at.col : a.at.file < b.at.file ? -1 : 1;
}

const GROUP = API_VERSION.split('/')[0];
const OUR_KINDS = () => KINDS.map((k) => k.kind as string);

/** apiVersion and kind: ours, someone else's (skipped), or a near miss of ours (an error with "did you mean"). */
function checkKind(doc: ManifestDocument, result: ValidationResult): ResourceKind | undefined {
  const { apiVersion, kind } = doc.data as { apiVersion?: unknown; kind?: unknown };
  const where = (path: FieldPath) => doc.positionOf(path);
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    result.errors.push(new JkError('JK1003', {
      message: 'missing apiVersion or kind',
      at: where([]),
      fix: `start the document with apiVersion: ${API_VERSION} and kind: Stream|Consumer|KeyValue|ObjectStore|Account`,
    }));
    return undefined;
  }
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : apiVersion;
  if (group !== GROUP) {
    const close = distance(group.toLowerCase(), GROUP) <= 3;
    if (close || OUR_KINDS().includes(kind)) {
      result.errors.push(new JkError('JK1003', {
        message: `apiVersion ${JSON.stringify(apiVersion)} is not ${GROUP}${close ? ' but close to it' : `, but ${kind} is one of its kinds`}; the document would be skipped`,
        at: where(['apiVersion']),
        fix: `did you mean apiVersion: ${API_VERSION}?`,
      }));
      return undefined;
    }
    result.skipped.push({ file: doc.file, index: doc.index, apiVersion, kind });
    return undefined;
  }
  const rk = kindByName(kind);
  if (!rk) {
    result.errors.push(new JkError('JK1003', {
      message: `unknown kind ${JSON.stringify(kind)}`,
      at: where(['kind']),
      fix: `use one of ${KINDS.map((k) => k.kind).join(', ')}${suggest(kind, OUR_KINDS())}`,
    }));
    return undefined;
  }
  if (apiVersion !== API_VERSION) {
    result.errors.push(new JkError('JK1003', { message: `unsupported apiVersion ${apiVersion}`, at: where(['apiVersion']), fix: `use apiVersion: ${API_VERSION}` }));
    return undefined;
  }
  return rk;
}

/** Kubernetes object names: a DNS-1123 subdomain (lowercase letters, digits, "-" and "."; at most 253). */
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** metadata.name: required; a name Kubernetes refuses is an error in a namespaced (Kubernetes) manifest, else a warning. */
function checkMetadata(doc: ManifestDocument, rk: ResourceKind, result: ValidationResult): { name?: string; namespace?: string } {
  const md = (doc.data.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof md.name === 'string' && md.name ? md.name : undefined;
  const namespace = typeof md.namespace === 'string' ? md.namespace : undefined;
  if (!name) {
    result.errors.push(new JkError('JK1006', { message: 'metadata.name is required', resource: `${rk.kind}/?`, field: 'metadata.name', at: doc.positionOf(['metadata']), fix: 'add metadata: { name: <name> }' }));
  } else if (name.length > 253 || !DNS1123.test(name)) {
    const e = new JkError('JK1014', {
      message: `metadata.name ${JSON.stringify(name.length > 60 ? name.slice(0, 40) + '…' : name)} is not a valid Kubernetes name (DNS-1123: lowercase letters, digits, "-" and ".", at most 253)`,
      resource: `${rk.kind}/${name}`, field: 'metadata.name', at: doc.positionOf(['metadata', 'name']),
      fix: `use a name such as ${JSON.stringify(name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'orders')}; the JetStream name comes from the spec, not from metadata.name`,
    });
    (namespace !== undefined ? result.errors : result.warnings).push(e);
  }
  return { name, namespace };
}

function validateDocument(doc: ManifestDocument, result: ValidationResult): Resource | undefined {
  const rk = checkKind(doc, result);
  if (!rk) return undefined;
  const { name, namespace } = checkMetadata(doc, rk, result);
  const ref = `${rk.kind}/${name ?? '?'}`;
  for (const key of Object.keys(doc.data)) {
    if (!TOP_LEVEL.has(key)) {
      result.errors.push(new JkError('JK1004', { message: `unknown field "${key}"`, resource: ref, field: key, at: doc.keyPositionOf([key]), fix: `remove it${suggest(key, [...TOP_LEVEL])}` }));
    }
  }
  const spec = doc.data.spec;
  if (spec === undefined || spec === null || typeof spec !== 'object') {
    result.errors.push(new JkError('JK1006', { message: 'spec is required', resource: ref, field: 'spec', at: doc.positionOf([]), fix: `add a spec: \`jetkeeper schema ${rk.kind}\` prints its fields` }));
    return undefined;
  }
  const parsed = rk.schema.safeParse(spec);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) result.errors.push(...issueErrors(issue, rk, ref, doc));
    return undefined;
  }
  for (const i of checkSpec(rk.kind, parsed.data)) (i.severity === 'warning' ? result.warnings : result.errors).push(ruleError(i, ref, doc));
  if (!name) return undefined;
  const target = rk.target(parsed.data);
  return { kind: rk.kind, name, namespace, spec: parsed.data, key: resourceKey(rk.kind, name, target), target, doc };
}

function ruleError(i: RuleIssue, ref: string, doc: ManifestDocument): JkError {
  return new JkError(i.code, { message: i.message, fix: i.fix, resource: ref, field: ['spec', ...i.path].join('.'), at: doc.positionOf(['spec', ...i.path]) });
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
  if (unreadableNumber(valueAt)) {
    return [new JkError('JK1005', { ...base, message: `the number written here is beyond ${Number.MAX_SAFE_INTEGER} (2^53-1) and cannot be read exactly`, fix: `use a value between -1 and ${Number.MAX_SAFE_INTEGER} (-1 means unlimited)` })];
  }
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
  return [otherError(issue, base)];
}

/** A number JSON or YAML held that a JavaScript number does not carry exactly. */
function unreadableNumber(v: unknown): boolean {
  return typeof v === 'number' && (!Number.isFinite(v) || (Number.isInteger(v) && !Number.isSafeInteger(v)));
}

/** Any other issue: a refinement's own code and fix (`params`), else JK1005 with the default fix of its code. */
function otherError(issue: Issue, base: { resource: string; field: string; at: SourcePosition }): JkError {
  const params = issue.code === 'custom' ? (issue.params as { code?: ErrorCode; fix?: string } | undefined) : undefined;
  const code = params?.code || 'JK1005';
  const fix = params?.fix ? params.fix : code === 'JK1007' ? 'use a Go duration such as 500ms, 30s, 5m, 24h or 1h30m' : code === 'JK1009' ? 'change one of the conflicting fields' : 'correct the value';
  return new JkError(code, { ...base, message: issue.message, fix });
}

function article(t: string): string {
  const s = { string: 'a string', number: 'a number', int: 'an integer', boolean: 'true or false', array: 'a list', object: 'a mapping', record: 'a mapping' }[t];
  return s ?? t;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number too large to read';
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

function checkReferences(result: ValidationResult, severity: 'error' | 'warning'): void {
  const accounts = new Set(result.resources.filter((r) => r.kind === 'Account').map((r) => `${r.namespace ?? ''}/${r.name}`));
  for (const r of result.resources) {
    const account = (r.spec as { account?: string }).account;
    if (!account || accounts.has(`${r.namespace ?? ''}/${account}`)) continue;
    const inNs = r.namespace ? ` in namespace ${r.namespace}` : '';
    const base = { resource: `${r.kind}/${r.name}`, field: 'spec.account', at: r.doc?.positionOf(['spec', 'account']) };
    if (severity === 'warning') {
      result.warnings.push(new JkError('JK1011', { ...base, message: `account ${account} is not among the given files${inNs}; plan and apply will need it`, fix: 'pass the file that declares the Account too when you plan or apply' }));
    } else {
      result.errors.push(new JkError('JK1011', { ...base, message: `account "${account}" is not declared${inNs}`, fix: 'declare an Account with that metadata.name beside this resource, or remove spec.account' }));
    }
  }
}

/** The connection target of a resource (namespace, account, servers, domain) as a stable string. */
export { connectionTarget };
