/**
 * Stream selectors for `backup --all --selector` and BackupPolicy `spec.selector`, in the
 * syntax of Kubernetes label selectors, over a stream's config metadata:
 *   `team=orders`  `team!=orders`  `team` (the key is set)  `!team` (not set)
 * and the reserved key `name` for the stream's name, where `*` matches any run of characters:
 *   `name=ORDERS*`  `name!=KV_*`
 * Terms are separated by commas and all must hold. Pure.
 */
import { JkError } from '../errors.js';

export interface StreamFacts {
  name: string;
  metadata?: Record<string, string>;
}

export interface Selector {
  readonly text: string;
  matches(s: StreamFacts): boolean;
}

type Term = (s: StreamFacts) => boolean;

const KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function valueOf(s: StreamFacts, key: string): string | undefined {
  return key === 'name' ? s.name : s.metadata?.[key];
}

function term(raw: string, text: string): Term {
  const t = raw.trim();
  const m = /^(!?)([^=!]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(t);
  const key = m?.[2]?.trim() ?? '';
  if (!m || !KEY.test(key) || (m[1] && m[3])) {
    throw new JkError('JK7014', {
      message: `\`selector\` ${JSON.stringify(text)} has a term ${JSON.stringify(t)} that is not key=value, key!=value, key or !key`,
      option: 'selector', fix: 'write terms like team=orders, team!=orders, team, !team or name=ORDERS*, separated by commas',
    });
  }
  const [, not, , op, value] = m;
  if (!op) return not ? (s) => valueOf(s, key) === undefined : (s) => valueOf(s, key) !== undefined;
  const want = value.trim();
  const eq = key === 'name' ? ((v: string | undefined) => v !== undefined && glob(want).test(v)) : (v: string | undefined) => v === want;
  return op === '!=' ? (s) => !eq(valueOf(s, key)) : (s) => eq(valueOf(s, key));
}

/** Parses `text`; JK7014 names the term that is wrong. */
export function parseSelector(text: string): Selector {
  const terms = text.split(',').filter((t) => t.trim() !== '').map((t) => term(t, text));
  if (!terms.length) throw new JkError('JK7014', { message: '`selector` is empty', option: 'selector', fix: 'give at least one term, e.g. team=orders, or leave the selector out' });
  return { text, matches: (s) => terms.every((f) => f(s)) };
}
