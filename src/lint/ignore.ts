/**
 * Inline ignores: `metadata.annotations["jetkeeper.io/lint-ignore"]: "JKL001,JKL016: reason"`.
 * A reason is required; an ignore without one (or naming no known rule) ignores nothing and is
 * itself a finding (JKL019).
 */
import type { Resource } from '../manifests/validate.js';
import { ANNOTATIONS, type LintContext } from './context.js';
import type { RawFinding, Rule } from './types.js';

export type ParsedIgnore = { rules: string[]; reason: string } | { problem: string };

const FORM = /^\s*([A-Za-z0-9_, -]+?)\s*:\s*(\S.*)$/s;

export function parseIgnore(value: string, known: readonly string[]): ParsedIgnore {
  const m = FORM.exec(value);
  if (!m) return { problem: `${JSON.stringify(value)} gives no reason` };
  const rules = m[1].split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
  const unknown = rules.filter((r) => !known.includes(r));
  if (!rules.length) return { problem: `${JSON.stringify(value)} names no rule` };
  if (unknown.length) return { problem: `${JSON.stringify(value)} names unknown rule(s) ${unknown.join(', ')}` };
  return { rules, reason: m[2].trim() };
}

/** The rules a resource's annotation ignores (none when the annotation is absent or malformed). */
export function ignoredRules(ctx: LintContext, r: Resource, known: readonly string[]): ReadonlySet<string> {
  const value = ctx.annotations(r)[ANNOTATIONS.ignore];
  if (value === undefined) return new Set();
  const p = parseIgnore(value, known);
  return new Set('rules' in p ? p.rules : []);
}

/** JKL019: the finding an ignore without a reason (or without a known rule) gets. */
export function ignoreWithoutReason(known: () => readonly string[]): Rule {
  return {
    id: 'JKL019',
    name: 'lint-ignore-without-reason',
    severity: 'warning',
    title: 'an inline lint-ignore must name known rules and give a reason; otherwise it ignores nothing',
    fix: 'write the annotation as jetkeeper.io/lint-ignore: "JKL001,JKL016: why this is fine here"',
    fields: [],
    check: (ctx) => [...ctx.resources, ...ctx.securityResources].flatMap((r): RawFinding[] => {
      const value = ctx.annotations(r)[ANNOTATIONS.ignore];
      if (value === undefined) return [];
      const p = parseIgnore(value, known());
      return 'problem' in p ? [{ resource: r, path: ['metadata', 'annotations', ANNOTATIONS.ignore], message: `lint-ignore ${p.problem}: nothing is ignored` }] : [];
    }),
  };
}
