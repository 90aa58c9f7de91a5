/**
 * Documents -> the security model. Only `jetstream.jetkeeper.io/v1alpha1` documents are read
 * (the others belong to `plan`/`apply`); every error names the resource, the field, file:line
 * and the fix, and all errors of a run are reported together.
 */
import type { z } from 'zod';
import { JkError, type ErrorCode } from '../errors.js';
import { knownKeysAt, suggest } from '../manifests/validate.js';
import type { FieldPath, ManifestDocument } from '../manifests/load.js';
import { SECURITY_API_VERSION } from '../resources/kind.js';
import { SECURITY_KINDS, securityKindByName, type NatsAccountSpec, type NatsUserSpec, type OperatorSpec, type SecurityKind } from '../resources/index.js';
import type { Declared, SecurityModel } from './model.js';
import { checkModel } from './checks.js';

export interface SecurityValidation {
  model?: SecurityModel;
  errors: JkError[];
  /** how many documents of other API groups were passed over */
  skipped: number;
}

const GROUP = SECURITY_API_VERSION.split('/')[0];

export function validateSecurityDocuments(docs: readonly ManifestDocument[]): SecurityValidation {
  const errors: JkError[] = [];
  const found: { kind: string; d: Declared<unknown> }[] = [];
  let skipped = 0;
  for (const doc of docs) {
    const apiVersion = String(doc.data.apiVersion ?? '');
    if (apiVersion.split('/')[0] !== GROUP) {
      skipped++;
      continue;
    }
    const r = validateDocument(doc, apiVersion, errors);
    if (r) found.push(r);
  }
  const model = errors.length ? undefined : assemble(found, errors);
  if (model) errors.push(...checkModel(model));
  return { model: errors.length ? undefined : model, errors, skipped };
}

function validateDocument(doc: ManifestDocument, apiVersion: string, errors: JkError[]): { kind: string; d: Declared<unknown> } | undefined {
  const kind = String(doc.data.kind ?? '');
  const sk = securityKindByName(kind);
  const names = SECURITY_KINDS.map((k) => k.kind);
  if (!sk) {
    errors.push(new JkError('JK1003', { message: `unknown kind ${JSON.stringify(kind)} in ${GROUP}`, at: doc.positionOf(['kind']), fix: `use one of ${names.join(', ')}${suggest(kind, names)}` }));
    return undefined;
  }
  if (apiVersion !== SECURITY_API_VERSION) {
    errors.push(new JkError('JK1003', { message: `unsupported apiVersion ${apiVersion}`, at: doc.positionOf(['apiVersion']), fix: `use apiVersion: ${SECURITY_API_VERSION}` }));
    return undefined;
  }
  const md = (doc.data.metadata ?? {}) as { name?: unknown };
  const name = typeof md.name === 'string' ? md.name : '';
  const ref = `${kind}/${name || '?'}`;
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
    errors.push(new JkError('JK1014', { message: `metadata.name ${JSON.stringify(name)} is missing or not a DNS-1123 name`, resource: ref, field: 'metadata.name', at: doc.positionOf(['metadata']), fix: 'use lowercase letters, digits, "-" and "." (it also names the key and creds files)' }));
    return undefined;
  }
  const parsed = sk.schema.safeParse(doc.data.spec ?? undefined);
  if (!parsed.success) {
    errors.push(...parsed.error.issues.map((i) => issueError(i, sk, ref, doc)));
    return undefined;
  }
  return { kind, d: { name, spec: parsed.data, ref, at: (p: FieldPath) => doc.positionOf(['spec', ...p]) } };
}

function issueError(issue: z.core.$ZodIssue, sk: SecurityKind, ref: string, doc: ManifestDocument): JkError {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const field = ['spec', ...path].join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    return new JkError('JK1004', { message: `unknown field "${issue.keys.join('", "')}"`, resource: ref, field: `${field}.${key}`, at: doc.keyPositionOf(['spec', ...path, key]), fix: `remove it${suggest(key, knownKeysAt(sk.schema, path))}` });
  }
  const params = issue.code === 'custom' ? (issue.params as { code?: ErrorCode; fix?: string } | undefined) : undefined;
  const missing = issue.code === 'invalid_type' && valueAt(doc.data.spec, path) === undefined;
  const code: ErrorCode = params?.code ?? (missing ? 'JK1006' : 'JK1005');
  const message = missing ? 'required field is missing' : issue.message;
  const fix = params?.fix ?? (missing ? `add ${field}` : issue.code === 'invalid_value' ? `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` : `correct ${field} (\`jetkeeper schema\` lists the fields)`);
  return new JkError(code, { message, fix, resource: ref, field, at: doc.positionOf(['spec', ...path]) });
}

function valueAt(v: unknown, path: FieldPath): unknown {
  let cur = v;
  for (const p of path) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[p] : undefined;
  return cur;
}

function assemble(found: { kind: string; d: Declared<unknown> }[], errors: JkError[]): SecurityModel | undefined {
  const of = <S>(k: string) => found.filter((f) => f.kind === k).map((f) => f.d as Declared<S>);
  const operators = of<OperatorSpec>('Operator');
  const accounts = of<NatsAccountSpec>('NatsAccount');
  const users = of<NatsUserSpec>('NatsUser');
  for (const list of [operators, accounts, users] as Declared<unknown>[][]) duplicates(list, errors);
  if (operators.length !== 1) {
    const at = operators[1]?.at?.([]);
    errors.push(new JkError('JK8001', {
      message: operators.length ? `${operators.length} Operators declared (${operators.map((o) => o.name).join(', ')}); one set of manifests describes one operator` : 'no Operator declared',
      at, fix: operators.length ? 'plan each operator from its own directory' : 'declare one Operator (kind: Operator, apiVersion: jetstream.jetkeeper.io/v1alpha1) with spec.systemAccount',
    }));
  }
  return errors.length ? undefined : { operator: operators[0]!, accounts, users };
}

function duplicates(list: Declared<unknown>[], errors: JkError[]): void {
  const seen = new Set<string>();
  for (const d of list) {
    if (seen.has(d.ref)) errors.push(new JkError('JK1008', { message: `${d.ref} is declared twice`, resource: d.ref, at: d.at?.([]), fix: 'remove one of them, or give it another metadata.name' }));
    seen.add(d.ref);
  }
}
