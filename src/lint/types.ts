/**
 * The shapes of policy lint: a rule looks at the validated resources of one input and returns
 * raw findings; the engine applies the configuration and the inline ignores and turns them into
 * findings that name the rule, the resource, the field and file:line:col.
 */
import type { SourcePosition } from '../errors.js';
import type { FieldPath } from '../manifests/load.js';
import type { Resource } from '../manifests/validate.js';
import type { LintContext } from './context.js';

export type Severity = 'error' | 'warning' | 'info';
/** What a configuration may set a rule to. */
export type Level = Severity | 'off';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** What a rule reports: the resource, the document path of the field, the message (and a fix when it differs from the rule's). */
export interface RawFinding {
  resource: Resource;
  /** path in the document, e.g. ['spec', 'replicas'] or ['metadata', 'annotations', 'jetkeeper.io/lint-ignore'] */
  path: FieldPath;
  message: string;
  fix?: string;
}

export interface Rule {
  /** stable id, JKLnnn */
  id: string;
  /** short kebab-case name */
  name: string;
  severity: Severity;
  /** one line: what the rule catches */
  title: string;
  /** the default fix */
  fix: string;
  /** the manifest fields the rule concerns, as `kind.field` (e.g. `stream.replicas`), for explain */
  fields: readonly string[];
  check(ctx: LintContext): RawFinding[];
}

export interface Finding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  /** Kind/name, e.g. Stream/orders-stream */
  resource: string;
  /** dotted path, e.g. spec.replicas */
  field: string;
  at?: SourcePosition;
  message: string;
  fix: string;
  /** relative to the repository root */
  docs: string;
}

export interface LintSummary {
  /** resources that were linted: jetstream.nats.io ones, plus Operator, NatsAccount, NatsUser and BackupPolicy documents */
  resources: number;
  errors: number;
  warnings: number;
  infos: number;
  /** findings an inline annotation ignored (with its reason) */
  ignored: number;
}

export interface LintReport {
  findings: Finding[];
  summary: LintSummary;
}

export const docsPath = (ruleId: string): string => `docs/lint/${ruleId}.md`;
