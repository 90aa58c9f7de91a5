/**
 * The lint engine: runs every rule that is not off over the validated resources, applies the
 * configured severities and the inline ignores, and adds validate's own errors and warnings as
 * findings (their code as rule id), so one report carries everything.
 */
import type { JkError } from '../errors.js';
import type { ManifestDocument } from '../manifests/load.js';
import { validateDocuments, type Resource } from '../manifests/validate.js';
import { DEFAULT_CONFIG, type LintConfig } from './config.js';
import { lintContext } from './context.js';
import { extraInput, NO_EXTRA, type ExtraInput } from './extra.js';
import { ignoredRules } from './ignore.js';
import { RULES } from './rules/index.js';
import { docsPath, type Finding, type LintReport, type RawFinding, type Rule, type Severity } from './types.js';

function toFinding(rule: Rule, raw: RawFinding, severity: Severity): Finding {
  return {
    ruleId: rule.id,
    ruleName: rule.name,
    severity,
    resource: `${raw.resource.kind}/${raw.resource.name}`,
    field: raw.path.join('.'),
    at: raw.resource.doc?.positionOf(raw.path),
    message: raw.message,
    fix: raw.fix ?? rule.fix,
    docs: docsPath(rule.id),
  };
}

function fromValidation(e: JkError, severity: Severity): Finding {
  return {
    ruleId: e.code, ruleName: 'validate', severity, resource: e.resource ?? '', field: e.field ?? '', at: e.at,
    message: e.message, fix: e.fix ?? '', docs: 'docs/lint/index.md#validation',
  };
}

function byPlace(a: Finding, b: Finding): number {
  const fa = a.at?.file ?? '';
  const fb = b.at?.file ?? '';
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.col ?? 0) - (b.at?.col ?? 0) || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0);
}

export function summarise(findings: readonly Finding[], resources: number, ignored: number): LintReport {
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  return { findings: [...findings].sort(byPlace), summary: { resources, errors: count('error'), warnings: count('warning'), infos: count('info'), ignored } };
}

/** Lints resources that passed validation (and the security model and backup policies beside them). */
export function lintResources(resources: readonly Resource[], config: LintConfig = DEFAULT_CONFIG, rules: readonly Rule[] = RULES, extra: ExtraInput = NO_EXTRA): LintReport {
  const ctx = lintContext(resources, config, extra);
  const known = rules.map((r) => r.id);
  const ignores = new Map([...resources, ...extra.securityResources].map((r) => [r, ignoredRules(ctx, r, known)]));
  const findings: Finding[] = [];
  let ignored = 0;
  for (const rule of rules) {
    const level = config.rules[rule.id] ?? rule.severity;
    if (level === 'off') continue;
    for (const raw of rule.check(ctx)) {
      if (ignores.get(raw.resource)?.has(rule.id)) ignored++;
      else findings.push(toFinding(rule, raw, level));
    }
  }
  return summarise(findings, resources.length + extra.securityResources.length + extra.backupPolicies.length, ignored);
}

/** Validates and lints loaded documents: validate's errors and warnings come first-class in the report. */
export function lintDocuments(docs: readonly ManifestDocument[], config: LintConfig = DEFAULT_CONFIG): LintReport {
  const v = validateDocuments(docs, { references: 'warning' });
  const extra = extraInput(docs);
  const report = lintResources(v.resources, config, RULES, extra);
  const errors = [...v.errors, ...extra.errors];
  const validation = [...errors.map((e) => fromValidation(e, 'error')), ...v.warnings.map((e) => fromValidation(e, 'warning'))];
  return summarise([...validation, ...report.findings], report.summary.resources, report.summary.ignored);
}

/** Exit code of a lint run: 1 with an error, or with more warnings than `maxWarnings` (eslint's rule). */
export function lintExitCode(report: LintReport, maxWarnings?: number): number {
  if (report.summary.errors > 0) return 1;
  return maxWarnings !== undefined && report.summary.warnings > maxWarnings ? 1 : 0;
}
