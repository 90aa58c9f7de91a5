/**
 * Turns one parsed YAML document into plain data the way Kubernetes reads YAML: anchors and
 * aliases (`&name`, `*name`) and merge keys (`<<: *name`, `<<: [*a, *b]`) are resolved, every
 * alias gets its own copy of the value, and an alias may point only at an anchor set before it.
 * Aliases, list lengths and nesting are bounded (LIMITS), so an alias bomb is refused at the
 * alias that crosses the limit instead of filling memory.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { JkError, type ErrorCode, type SourcePosition } from '../errors.js';
import type { LoadLimits } from './limits.js';

/** Where each alias of a document points (for positions through aliases). */
export type AliasTargets = Map<Alias, Node>;

interface Ctx {
  anchors: Map<string, { node: Node; value: unknown }>;
  targets: AliasTargets;
  /** values added by aliases so far */
  aliased: number;
  limits: LoadLimits;
  at: (node: unknown) => SourcePosition;
}

function fail(c: Ctx, node: unknown, code: ErrorCode, message: string, fix: string): never {
  throw new JkError(code, { message, at: c.at(node), fix });
}

/** Builds the plain data of `root` (a document's contents). */
export function composeDocument(root: unknown, limits: LoadLimits, at: (node: unknown) => SourcePosition): { data: unknown; targets: AliasTargets } {
  const c: Ctx = { anchors: new Map(), targets: new Map(), aliased: 0, limits, at };
  return { data: build(root, c, 0), targets: c.targets };
}

function build(node: unknown, c: Ctx, depth: number): unknown {
  if (depth > c.limits.depth) {
    fail(c, node, 'JK1104', `mappings and lists are nested deeper than ${c.limits.depth} levels`, 'flatten the document; no manifest needs this depth');
  }
  let value: unknown;
  if (isAlias(node)) value = resolveAlias(node, c, depth);
  else if (isMap(node)) value = buildMap(node, c, depth);
  else if (isSeq(node)) {
    if (node.items.length > c.limits.listItems) {
      fail(c, node, 'JK1104', `a list of ${node.items.length} items (at most ${c.limits.listItems})`, 'split the resource, or use wildcards (orders.>) instead of listing every subject');
    }
    value = node.items.map((item) => build(item, c, depth + 1));
  } else if (isScalar(node)) value = scalarValue(node);
  else value = node ?? null;
  const anchor = (node as { anchor?: string } | null)?.anchor;
  if (anchor && !isAlias(node)) c.anchors.set(anchor, { node: node as Node, value });
  return value;
}

const YAML11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON']);
const YAML11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const RESOLVED_TAGS = new Set(['tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:null']);

/**
 * A scalar as Kubernetes reads it (YAML 1.1, as go-yaml resolves it): unquoted y, yes, on (and
 * n, no, off) are booleans, 0777 is octal and 1_000 is 1000. Quoted or !!str scalars stay text.
 */
function scalarValue(node: Scalar): unknown {
  const value = node.value ?? null;
  const src = node.source;
  if (node.type !== 'PLAIN' || typeof src !== 'string' || (node.tag && !RESOLVED_TAGS.has(node.tag))) return value;
  if (YAML11_TRUE.has(src)) return true;
  if (YAML11_FALSE.has(src)) return false;
  const m = /^([-+]?)(0[0-7]+|0x[0-9a-f]+|0b[01]+|[0-9]+)$/i.exec(src.replaceAll('_', ''));
  if (!m || (!src.includes('_') && !/^0[0-7]/.test(m[2]))) return value;
  const digits = m[2];
  const n = /^0[0-7]/.test(digits) ? Number.parseInt(digits, 8) : Number(digits);
  return m[1] === '-' ? -n : n;
}

function resolveAlias(alias: Alias, c: Ctx, depth: number): unknown {
  const entry = c.anchors.get(alias.source);
  if (!entry) {
    fail(c, alias, 'JK1002', `undefined alias *${alias.source}`, `set the anchor &${alias.source} on a value before this alias, in the same document (anchors do not cross ---)`);
  }
  c.targets.set(alias, entry.node);
  return copy(entry.value, c, depth, alias);
}

/** A fresh copy of an anchored value; every copied value counts against the alias limit. */
function copy(v: unknown, c: Ctx, depth: number, alias: Alias): unknown {
  if (++c.aliased > c.limits.aliasValues) {
    fail(c, alias, 'JK1101', `aliases expand to more than ${c.limits.aliasValues} values in this document`, 'this looks like an alias bomb: write the values out, or use fewer nested aliases');
  }
  if (depth > c.limits.depth) {
    fail(c, alias, 'JK1104', `mappings and lists are nested deeper than ${c.limits.depth} levels (through aliases)`, 'flatten the document; no manifest needs this depth');
  }
  if (Array.isArray(v)) return v.map((x) => copy(x, c, depth + 1, alias));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) setKey(out, k, copy(x, c, depth + 1, alias));
  return out;
}

/** Sets a key, `__proto__` included, as plain data. */
function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k !== '__proto__') o[k] = v;
  else Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** A `<<` key written plainly (a quoted "<<" is an ordinary key, as in Kubernetes). */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === '<<' && key.type === 'PLAIN';
}

/** The JSON key of a YAML key: strings as they are, other scalars as text (as Kubernetes does). */
function keyText(key: unknown, c: Ctx, depth: number): string {
  const k = build(key, c, depth + 1);
  if (typeof k === 'string') return k;
  return k === null ? 'null' : typeof k === 'object' ? JSON.stringify(k) : String(k);
}

function buildMap(map: YAMLMap, c: Ctx, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const merged: Record<string, unknown>[] = [];
  for (const pair of map.items as Pair[]) {
    if (isMergeKey(pair.key)) {
      merged.push(...mergeSources(pair, c, depth));
      continue;
    }
    setKey(out, keyText(pair.key, c, depth), build(pair.value, c, depth + 1));
  }
  // explicit keys win over merged ones; of several merged mappings the first wins
  for (const m of merged) for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) setKey(out, k, v);
  return out;
}

function mergeSources(pair: Pair, c: Ctx, depth: number): Record<string, unknown>[] {
  const v = build(pair.value, c, depth + 1);
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x))) {
    fail(c, pair.value ?? pair.key, 'JK1002', 'a merge key (<<) takes a mapping or a list of mappings', 'write <<: *anchor or <<: [*a, *b], where each anchor is a mapping');
  }
  return list as Record<string, unknown>[];
}

/** The pair of `map` holding `key`, looking into merged mappings (`<<`) when the map lacks it. */
export function findPair(map: YAMLMap, key: string | number, targets: AliasTargets, depth = 0): Pair | undefined {
  const own = (map.items as Pair[]).find((p) => !isMergeKey(p.key) && String((p.key as { value?: unknown } | null)?.value ?? p.key) === String(key));
  if (own || depth > 8) return own;
  for (const p of map.items as Pair[]) {
    if (!isMergeKey(p.key)) continue;
    const v = deref(p.value, targets);
    const sources = isSeq(v) ? v.items.map((x) => deref(x, targets)) : [v];
    for (const s of sources) {
      const found = isMap(s) ? findPair(s, key, targets, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

/** The node an alias points at (aliases of aliases followed); other nodes as they are. */
export function deref(node: unknown, targets: AliasTargets): unknown {
  let n = node;
  for (let i = 0; i < 8 && isAlias(n); i++) n = targets.get(n);
  return n;
}
