/**
 * Subject and name rules exactly as nats-server applies them (server/sublist.go IsValidSubject,
 * SubjectsCollide, subjectIsSubsetMatch; server/jetstream.go isValidAssetName; JSMaxNameLen).
 * Pure functions, so validate, lint and explain share them.
 */

/** nats-server JSMaxNameLen: stream, consumer and bucket stream names, in bytes. */
export const MAX_NAME_BYTES = 255;
/** nats-server JSMaxDescriptionLen, in bytes. */
export const MAX_DESCRIPTION_BYTES = 4 * 1024;
/** nats-server JSMaxMetadataLen: keys plus values, in bytes. */
export const MAX_METADATA_BYTES = 128 * 1024;

const WHITESPACE = /[\t\n\f\r ]/;

/** nats-server IsValidSubject: no empty token, `>` only last, no whitespace. */
export function isValidSubject(subject: string): boolean {
  if (subject === '') return false;
  let sawFwc = false;
  for (const t of subject.split('.')) {
    if (t.length === 0 || sawFwc) return false;
    if (t.length > 1) {
      if (WHITESPACE.test(t)) return false;
      continue;
    }
    if (t === '>') sawFwc = true;
    else if (WHITESPACE.test(t)) return false;
  }
  return true;
}

/** nats-server subjectIsLiteral: no `*` or `>` token. */
export function isLiteralSubject(subject: string): boolean {
  return !subject.split('.').some((t) => t === '*' || t === '>');
}

/** Why a subject is invalid, in words (undefined when it is valid). */
export function subjectProblem(subject: string): string | undefined {
  if (subject === '') return 'a subject cannot be empty';
  if (WHITESPACE.test(subject)) return 'a subject cannot contain spaces, tabs or line breaks';
  const tokens = subject.split('.');
  if (tokens.some((t) => t === '')) return 'a subject cannot have an empty token (leading, trailing or double ".")';
  if (tokens.slice(0, -1).includes('>')) return '">" can only be the last token of a subject';
  return isValidSubject(subject) ? undefined : 'not a valid subject';
}

const isPwc = (t: string) => t === '*';
const isFwc = (t: string) => t === '>';

function tokensCanMatch(a: string, b: string): boolean {
  if (!a || !b) return false;
  if (a[0] === '*' || b[0] === '*' || a[0] === '>' || b[0] === '>') return true;
  return a === b;
}

/** nats-server SubjectsCollide: can one literal subject match both? */
export function subjectsCollide(s1: string, s2: string): boolean {
  if (s1 === s2) return true;
  const t1 = s1.split('.');
  const t2 = s2.split('.');
  const fwc1 = t1.some(isFwc);
  const fwc2 = t2.some(isFwc);
  const l1 = !fwc1 && !t1.some(isPwc);
  const l2 = !fwc2 && !t2.some(isPwc);
  if (l1 && l2) return false;
  if (l1) return isSubsetMatch(t1, t2);
  if (l2) return isSubsetMatch(t2, t1);
  if (!fwc1 && !fwc2 && t1.length !== t2.length) return false;
  if ((t1.length < t2.length && !fwc1) || (t2.length < t1.length && !fwc2)) return false;
  const stop = Math.min(t1.length, t2.length);
  for (let i = 0; i < stop; i++) if (!tokensCanMatch(t1[i], t2[i])) return false;
  return true;
}

/** nats-server subjectIsSubsetMatch: is every subject matched by `subject` also matched by `test`? */
export function subjectIsSubsetMatch(subject: string, test: string): boolean {
  return isSubsetMatch(subject.split('.'), test.split('.'));
}

function isSubsetMatch(tokens: string[], test: string[]): boolean {
  for (let i = 0; i < test.length; i++) {
    if (i >= tokens.length) return false;
    const t2 = test[i];
    if (t2.length === 0) return false;
    if (isFwc(t2)) return true;
    const t1 = tokens[i];
    if (t1.length === 0 || isFwc(t1)) return false;
    if (isPwc(t1)) {
      if (!isPwc(t2)) return false;
      continue;
    }
    if (t2[0] !== '*' && t1 !== t2) return false;
  }
  return tokens.length === test.length;
}

/** Control characters (C0, DEL, C1): never part of a sensible name. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why a stream, consumer or bucket-stream name is refused (undefined when it is fine):
 * nats-server isValidAssetName (no whitespace, `.`, `*`, `>`, `\`, `/`) and JSMaxNameLen;
 * control characters are refused too (they end up in API subjects and terminals).
 */
export function assetNameProblem(name: string): string | undefined {
  if (name === '') return 'a name cannot be empty';
  if (/[ \t\r\n\f]/.test(name)) return 'a name cannot contain spaces, tabs or line breaks';
  const bad = /[.*>\\/]/.exec(name);
  if (bad) return `a name cannot contain "${bad[0]}" (nats-server refuses ".", "*", ">", "\\" and "/")`;
  if (CONTROL.test(name)) return 'a name cannot contain control characters';
  const bytes = byteLength(name);
  if (bytes > MAX_NAME_BYTES) return `a name can be at most ${MAX_NAME_BYTES} bytes (nats-server JSMaxNameLen), this one has ${bytes}`;
  return undefined;
}

/** The bytes of a string as nats-server counts them (Go len). */
export function byteLength(s: string): number {
  return encoder.encode(s).length;
}

const encoder = new TextEncoder();

function subjectInfo(subject: string): { valid: boolean; pwcs: number; fwc: boolean } {
  if (subject === '') return { valid: false, pwcs: 0, fwc: false };
  let pwcs = 0;
  let fwc = false;
  for (const t of subject.split('.')) {
    if (t.length === 0 || fwc) return { valid: false, pwcs, fwc };
    if (t === '>') fwc = true;
    else if (t === '*') pwcs++;
  }
  return { valid: true, pwcs, fwc };
}

/** The wildcard indexes a destination token refers to ($1, {{wildcard(1)}}, {{partition(3,1,2)}}, ...); undefined: a literal. */
function placeholderIndexes(token: string): { fn: string; indexes: number[] } | undefined {
  const legacy = /^\$(\d+)$/.exec(token);
  if (legacy) return { fn: 'wildcard', indexes: [Number(legacy[1])] };
  const m = /^\{\{\s*([A-Za-z]+)\s*\((.*)\)\s*\}\}$/.exec(token);
  if (!m) return undefined;
  const fn = m[1].toLowerCase();
  const args = m[2].split(',').map((a) => a.trim());
  const ints = args.map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  if (fn === 'random') return { fn, indexes: [] };
  if (fn === 'partition') return { fn, indexes: ints.slice(1) };
  return { fn, indexes: ints.slice(0, 1) };
}

/**
 * Why nats-server cannot build a subject transform from `src` to `dest` (NewSubjectTransform):
 * both valid, no "*" in the destination, ">" in both or neither, placeholders within the
 * source's wildcards. undefined when it can (or when dest is empty: no transform).
 */
export function transformProblem(src: string | undefined, dest: string | undefined): string | undefined {
  if (!dest) return undefined;
  const s = subjectInfo(src || '>');
  const d = subjectInfo(dest);
  if (!s.valid || !d.valid) return 'the source and the destination must be valid subjects';
  if (d.pwcs > 0) return 'the destination cannot contain "*" tokens (refer to a source wildcard with {{wildcard(1)}})';
  if (s.fwc !== d.fwc) return '">" must end both the source and the destination, or neither';
  for (const token of dest.split('.')) {
    const p = placeholderIndexes(token);
    if (!p) continue;
    if (s.pwcs === 0 && !s.fwc && p.fn !== 'random' && !(p.fn === 'partition' && p.indexes.length === 0)) {
      return `${token} refers to a wildcard, but the source has none`;
    }
    if (p.indexes.some((i) => !Number.isInteger(i) || i < 1 || i > s.pwcs)) return `${token} refers to a wildcard the source does not have (it has ${s.pwcs} "*")`;
  }
  return undefined;
}
