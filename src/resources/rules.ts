/**
 * Rules the server applies beyond the shape of a spec, next to the schemas so validate, lint and
 * explain share them. Each rule checks one parsed spec and returns issues with a spec-relative
 * path; the caller turns them into located errors. A rule cites where nats-server enforces it
 * and, where that changed, the server version.
 */
import type { ErrorCode } from '../errors.js';
import type { KindName } from './kind.js';
import {
  assetNameProblem, byteLength, MAX_DESCRIPTION_BYTES, MAX_METADATA_BYTES, subjectIsSubsetMatch, subjectProblem,
  subjectsCollide,
} from './subjects.js';

export type SpecPath = (string | number)[];

export interface RuleIssue {
  /** path inside spec, e.g. ['subjects', 2] */
  path: SpecPath;
  code: ErrorCode;
  message: string;
  fix: string;
  /** warnings never fail a run */
  severity?: 'error' | 'warning';
}

export interface SpecRule<Spec> {
  /** stable id, e.g. `stream/subjects-valid` */
  id: string;
  kind: KindName;
  /** what the server refuses, in words (for explain) */
  summary: string;
  /** where nats-server enforces it, e.g. "checkStreamCfg (JSStreamInvalidConfigF 10052)" */
  server: string;
  /** first server version with this rule, when it is not every supported version */
  since?: string;
  check(spec: Spec): RuleIssue[];
}

/** Runs every rule of a kind and collects the issues. */
export function runRules<Spec>(rules: readonly SpecRule<Spec>[], spec: Spec): RuleIssue[] {
  return rules.flatMap((r) => r.check(spec));
}

export const issue = (path: SpecPath, code: ErrorCode, message: string, fix: string): RuleIssue => ({ path, code, message, fix });

/** An asset name (stream, consumer, source) checked as nats-server isValidAssetName + JSMaxNameLen. */
export function nameIssues(path: SpecPath, name: string | undefined, what: string): RuleIssue[] {
  if (name === undefined) return [];
  const problem = assetNameProblem(name);
  return problem ? [issue(path, 'JK1014', `${what} ${JSON.stringify(shorten(name))} is refused: ${problem}`, 'use letters, digits, "-" and "_" (at most 255 bytes)')] : [];
}

/** Every subject of a list valid, none twice, none overlapping another of the list. */
export function subjectListIssues(path: SpecPath, subjects: readonly string[] | undefined, what: string, overlap: 'collide' | 'subset'): RuleIssue[] {
  if (!subjects) return [];
  const out: RuleIssue[] = [];
  subjects.forEach((s, i) => {
    const problem = subjectProblem(s);
    if (problem) {
      out.push(issue([...path, i], 'JK1013', `${what} ${JSON.stringify(shorten(s))} is invalid: ${problem}`, 'write tokens separated by single dots, "*" for one token, ">" only at the end'));
      return;
    }
    const j = subjects.indexOf(s);
    if (j < i) {
      out.push(issue([...path, i], 'JK1013', `${what} ${JSON.stringify(s)} is listed twice`, 'remove the second one'));
      return;
    }
    const other = subjects.slice(0, i).find((t) => !subjectProblem(t) && (overlap === 'collide' ? subjectsCollide(s, t) : subjectIsSubsetMatch(s, t) || subjectIsSubsetMatch(t, s)));
    if (other !== undefined) {
      out.push(issue([...path, i], 'JK1013', `${what} ${JSON.stringify(s)} overlaps with ${JSON.stringify(other)}`, 'keep only the wider one, or make them disjoint'));
    }
  });
  return out;
}

/** One subject (filter, transform source, republish source) valid when given. */
export function subjectIssues(path: SpecPath, subject: string | undefined, what: string): RuleIssue[] {
  if (!subject) return [];
  const problem = subjectProblem(subject);
  return problem ? [issue(path, 'JK1013', `${what} ${JSON.stringify(shorten(subject))} is invalid: ${problem}`, 'write tokens separated by single dots, "*" for one token, ">" only at the end')] : [];
}

/** nats-server JSMaxDescriptionLen (4 KiB). */
export function descriptionIssues(description: string | undefined): RuleIssue[] {
  if (!description || byteLength(description) <= MAX_DESCRIPTION_BYTES) return [];
  return [issue(['description'], 'JK1005', `the description has ${byteLength(description)} bytes; nats-server allows at most ${MAX_DESCRIPTION_BYTES} (JSMaxDescriptionLen)`, 'shorten the description to 4096 bytes')];
}

/** nats-server JSMaxMetadataLen (128 KiB of keys and values). */
export function metadataIssues(metadata: Record<string, string> | undefined): RuleIssue[] {
  if (!metadata) return [];
  const n = Object.entries(metadata).reduce((sum, [k, v]) => sum + byteLength(k) + byteLength(v), 0);
  if (n <= MAX_METADATA_BYTES) return [];
  return [issue(['metadata'], 'JK1005', `metadata has ${n} bytes of keys and values; nats-server allows at most ${MAX_METADATA_BYTES} (JSMaxMetadataLen)`, 'keep metadata small: move large data elsewhere')];
}

/** Long user text cut for messages. */
export function shorten(s: string): string {
  return s.length > 60 ? `${s.slice(0, 40)}…(${s.length} characters)` : s;
}
