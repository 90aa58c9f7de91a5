/**
 * SARIF 2.1.0 for GitHub code scanning: one run, jetkeeper as the tool with every rule in
 * tool.driver.rules (helpUri to its docs page), each result at the file (relative to the
 * repository root) and line:column of the manifest value.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { catalogue, type ErrorCode } from '../errors.js';
import { RULES } from './rules/index.js';
import { docsPath, type Finding, type LintReport, type Severity } from './types.js';

export interface SarifOptions {
  /** the repository root: artifact URIs are relative to it */
  root: string;
  /** prefix of the docs links (e.g. https://github.com/org/repo/blob/main/); default: links relative to the root */
  docsBase?: string;
  toolVersion?: string;
}

const LEVEL: Readonly<Record<Severity, string>> = { error: 'error', warning: 'warning', info: 'note' };

interface SarifRule { id: string; name: string; shortDescription: { text: string }; help: { text: string; markdown?: string }; helpUri: string; defaultConfiguration: { level: string } }

const link = (path: string, base?: string) => (base ? new URL(path, base.endsWith('/') ? base : base + '/').href : path);

function lintRules(docsBase?: string): SarifRule[] {
  return RULES.map((r) => {
    const helpUri = link(docsPath(r.id), docsBase);
    return {
      id: r.id, name: r.name, shortDescription: { text: r.title },
      help: { text: `Fix: ${r.fix}`, markdown: `**${r.id} ${r.name}**: ${r.title}.\n\n**Fix:** ${r.fix}.\n\n[${r.id} in the jetkeeper docs](${helpUri})` },
      helpUri, defaultConfiguration: { level: LEVEL[r.severity] },
    };
  });
}

/** validate's codes that the report carries, as rules of their own. */
function validationRules(findings: readonly Finding[], docsBase?: string): SarifRule[] {
  const codes = [...new Set(findings.map((f) => f.ruleId).filter((id) => id in catalogue))].sort();
  return codes.map((code) => ({
    id: code, name: `validate-${code}`, shortDescription: { text: catalogue[code as ErrorCode].title },
    help: { text: 'A manifest error: run jetkeeper validate for the same message.' },
    helpUri: link('docs/lint/index.md#validation', docsBase), defaultConfiguration: { level: 'error' },
  }));
}

/** The artifact URI: relative to the root with forward slashes, or a file: URL outside it. */
export function artifactUri(file: string, root: string): string {
  const abs = resolve(root, file);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return pathToFileURL(abs).href;
  return rel.split(sep).map(encodeURIComponent).join('/');
}

function result(f: Finding, index: number, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ruleId: f.ruleId, ruleIndex: index, level: LEVEL[f.severity],
    message: { text: `${[f.resource, f.field].filter(Boolean).join(' ')}: ${f.message}. Fix: ${f.fix}` },
  };
  if (f.at && f.at.file !== '<stdin>') {
    out.locations = [{ physicalLocation: { artifactLocation: { uri: artifactUri(f.at.file, root) }, region: { startLine: f.at.line, startColumn: f.at.col } } }];
  }
  return out;
}

export function formatSarif(report: LintReport, opts: SarifOptions): Record<string, unknown> {
  const rules = [...lintRules(opts.docsBase), ...validationRules(report.findings, opts.docsBase)];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'jetkeeper', ...(opts.toolVersion ? { version: opts.toolVersion } : {}), rules } },
      results: report.findings.map((f) => result(f, index.get(f.ruleId) ?? -1, opts.root)),
    }],
  };
}
