/**
 * The lint configuration (`.jetkeeper-lint.yaml`): a level per rule, the cluster size the
 * replica rules check against, and the marker of non-critical streams.
 */
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { JkError } from '../errors.js';
import type { Level } from './types.js';

export interface LintConfig {
  /** rule id -> level; rules not named keep their default severity */
  rules: Readonly<Record<string, Level>>;
  /** servers in the cluster (replica rules); undefined: not checked */
  clusterSize?: number;
  /** a stream (or bucket) is non-critical when this annotation or label has this value */
  nonCritical: { key: string; value: string };
  /** team -> its subject prefixes (JKL024): a stream of one team must not take another's */
  teams?: Readonly<Record<string, readonly string[]>>;
}

export const DEFAULT_CONFIG: LintConfig = { rules: {}, nonCritical: { key: 'jetkeeper.io/critical', value: 'false' } };

const levelSchema = z.enum(['off', 'info', 'warning', 'error']);

const configSchema = z.strictObject({
  rules: z.record(z.string(), levelSchema).optional(),
  clusterSize: z.number().int().min(1).max(5).optional(),
  nonCritical: z.strictObject({ key: z.string().min(1), value: z.string() }).partial().optional(),
  teams: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).optional(),
});

/** Parses the text of a lint configuration; JK1202 names the key at fault and the file:line. */
export function parseLintConfig(text: string, file: string, knownRules: readonly string[]): LintConfig {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) {
    throw new JkError('JK1201', { message: `the lint configuration is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`, at: { file, line: doc.errors[0].linePos?.[0].line ?? 1, col: doc.errors[0].linePos?.[0].col ?? 1 }, fix: 'correct the YAML syntax' });
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join('.');
    throw new JkError('JK1202', {
      message: `${key || 'the configuration'}: ${issue.message}`,
      field: key || undefined,
      at: positionOf(doc, issue.path.filter((p): p is string | number => typeof p !== 'symbol'), file, text),
      fix: 'keys are rules (ID: off|info|warning|error), clusterSize (1-5), nonCritical {key, value} and teams {TEAM: [subject prefixes]}; see docs/lint/index.md',
    });
  }
  const rules = parsed.data.rules ?? {};
  for (const id of Object.keys(rules)) {
    if (!knownRules.includes(id)) {
      throw new JkError('JK1202', { message: `unknown lint rule ${JSON.stringify(id)}`, field: `rules.${id}`, at: positionOf(doc, ['rules', id], file, text, true), fix: `use one of ${knownRules.join(', ')}` });
    }
  }
  return {
    rules,
    clusterSize: parsed.data.clusterSize,
    nonCritical: { ...DEFAULT_CONFIG.nonCritical, ...parsed.data.nonCritical },
    ...(parsed.data.teams ? { teams: parsed.data.teams } : {}),
  };
}

type YamlDoc = ReturnType<typeof parseDocument>;

function positionOf(doc: YamlDoc, path: (string | number)[], file: string, text: string, key = false): { file: string; line: number; col: number } {
  for (let n = path.length; n > 0; n--) {
    const node = key ? findKey(doc, path.slice(0, n)) : (doc.getIn(path.slice(0, n), true) as { range?: [number, number] } | undefined);
    if (node?.range) return lineCol(text, node.range[0], file);
  }
  return { file, line: 1, col: 1 };
}

function findKey(doc: YamlDoc, path: (string | number)[]): { range?: [number, number] } | undefined {
  const parent = doc.getIn(path.slice(0, -1), true) as { items?: { key?: { value?: unknown; range?: [number, number] } }[] } | undefined;
  return parent?.items?.find((p) => p.key?.value === path[path.length - 1])?.key;
}

function lineCol(text: string, offset: number, file: string): { file: string; line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { file, line, col: offset - before.lastIndexOf('\n') };
}
