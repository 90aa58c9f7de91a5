/** A lint report as text (one finding per block, like validate) and as JSON (the report itself). */
import { escapeControl } from '../errors.js';
import type { Finding, LintReport } from './types.js';

function findingText(f: Finding): string {
  const where = f.at ? `${f.at.file}:${f.at.line}:${f.at.col}: ` : '';
  const what = [f.resource, f.field].filter(Boolean).join(' ');
  return [
    escapeControl(`${where}${f.severity} ${f.ruleId} ${what ? what + ': ' : ''}${f.message}`),
    `  fix: ${escapeControl(f.fix)}`,
    `  docs: ${f.docs}`,
  ].join('\n');
}

export function summaryText(r: LintReport): string {
  const s = r.summary;
  const ignored = s.ignored ? `, ${s.ignored} ignored inline` : '';
  return `${s.resources} resource(s): ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info${ignored}.`;
}

export function formatText(r: LintReport): string {
  return [...r.findings.map(findingText), summaryText(r)].join('\n');
}

/** The JSON shape (documented in docs/lint/index.md): findings and summary. */
export function formatJson(r: LintReport): string {
  return JSON.stringify({ findings: r.findings, summary: r.summary }, null, 2);
}
