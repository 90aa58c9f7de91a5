/**
 * Loads manifests from files, directories (recursively) and stdin: multi-document YAML and
 * JSON, `kind: List` unwrapped. Every document keeps its file and the positions of its
 * values, so any later error can point at file:line:col. YAML is read as Kubernetes reads it
 * (anchors, aliases, merge keys), within the input limits of LIMITS.
 */
import { readFile, stat } from 'node:fs/promises';
import { Composer, isMap, isSeq, LineCounter, parseDocument, Parser, type Document, type Node } from 'yaml';
import { JkError, type SourcePosition } from '../errors.js';
import { composeDocument, deref, findPair, type AliasTargets } from './compose.js';
import { manifestFiles } from './files.js';
import { LIMITS, type LoadLimits } from './limits.js';

export { LIMITS, type LoadLimits } from './limits.js';

export type FieldPath = readonly (string | number)[];

export interface ManifestDocument {
  /** the document as plain data */
  data: Record<string, unknown>;
  file: string;
  /** 0-based index of the document in its file */
  index: number;
  /** position of the value at `path` (or of its nearest existing parent) */
  positionOf(path: FieldPath): SourcePosition;
  /** position of the key at `path` (for unknown fields), falling back to the value's */
  keyPositionOf(path: FieldPath): SourcePosition;
}

export interface LoadOptions {
  /** lower limits (tests); each defaults to LIMITS */
  limits?: Partial<LoadLimits>;
  /** documents already loaded in this run: the document limit counts over all of them */
  loadedBefore?: number;
}

/**
 * Reads every input: a file, a directory (recursive, *.yaml|*.yml|*.json) or `-` for stdin.
 * `readStdin(maxBytes)` may stop reading after maxBytes: more is refused anyway.
 */
export async function loadManifests(inputs: readonly string[], readStdin: (maxBytes: number) => Promise<string>, opts: LoadOptions = {}): Promise<ManifestDocument[]> {
  const limits = { ...LIMITS, ...opts.limits };
  const docs: ManifestDocument[] = [];
  const add = (text: string, file: string) => {
    checkSize(Buffer.byteLength(text, 'utf8'), file, limits);
    for (const d of parseManifests(text, file, { limits, loadedBefore: docs.length })) docs.push(d);
  };
  for (const input of inputs) {
    if (input === '-') {
      add(await readStdin(limits.fileBytes + 1), '<stdin>');
      continue;
    }
    for (const file of await manifestFiles(input)) add(await readManifest(file, limits), file);
  }
  return docs;
}

function checkSize(bytes: number, file: string, limits: LoadLimits): void {
  if (bytes <= limits.fileBytes) return;
  throw new JkError('JK1102', {
    message: `the file has ${bytes} bytes, more than the ${limits.fileBytes} bytes a manifest file may have`,
    at: { file, line: 1, col: 1 },
    fix: 'split it into several files in a directory and pass the directory with -f',
  });
}

async function readManifest(file: string, limits: LoadLimits): Promise<string> {
  try {
    checkSize((await stat(file)).size, file, limits);
    return await readFile(file, 'utf8');
  } catch (e) {
    if (e instanceof JkError) throw e;
    throw new JkError('JK1001', { message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, fix: 'check the path passed with -f' });
  }
}

/** Parses one file's text into documents; YAML and JSON alike (JSON is YAML). */
export function parseManifests(text: string, file: string, opts: LoadOptions = {}): ManifestDocument[] {
  const limits = { ...LIMITS, ...opts.limits };
  const lc = new LineCounter();
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true });
  const source: Source = { text, file, lc, limits, cache: undefined, loadedBefore: opts.loadedBefore ?? 0 };
  checkDocumentSizes(text, file, limits);
  const out: ManifestDocument[] = [];
  let index = 0;
  // one document at a time: the parse stops at the first error or limit, and no syntax tree is kept
  for (const doc of composer.compose(new Parser(lc.addNewLine).parse(text))) {
    addDocument(doc, index++, source, out);
  }
  return out;
}

/**
 * Refuses a document larger than the limit before parsing it (the syntax tree of one document
 * takes some 80 times its size). Document markers start a line and cannot occur inside a scalar.
 */
function checkDocumentSizes(text: string, file: string, limits: LoadLimits): void {
  if (text.length <= limits.documentBytes) return;
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  for (let m = marker.exec(text); ; m = marker.exec(text)) {
    const end = m ? m.index : text.length;
    if (end - start > limits.documentBytes) {
      const line = text.slice(0, start).split('\n').length;
      throw new JkError('JK1102', {
        message: `a YAML document of ${end - start} characters, more than the ${limits.documentBytes} one document may have`,
        at: { file, line, col: 1 },
        fix: 'split it into several resources; no Kubernetes object can be this large either',
      });
    }
    if (!m) return;
    start = m.index;
  }
}

/** A file's text and line index; syntax trees are parsed again, one at a time, only for positions. */
interface Source {
  text: string;
  file: string;
  lc: LineCounter;
  limits: LoadLimits;
  cache: { start: number; tree: Tree } | undefined;
  loadedBefore: number;
}

/** One document's syntax tree; `base` is its offset in the file. */
interface Tree { contents: unknown; targets: AliasTargets; base: number }

function addDocument(doc: Document.Parsed, index: number, src: Source, out: ManifestDocument[]): void {
  const err = doc.errors[0];
  if (err) {
    throw new JkError('JK1002', { message: err.message.split('\n')[0], at: position(src, err.pos[0]), fix: 'fix the YAML/JSON syntax at this position' });
  }
  if (doc.contents === null) return; // empty document (e.g. a trailing ---)
  const at = (node: unknown): SourcePosition => position(src, (node as Node | null)?.range?.[0]);
  const { data, targets } = composeDocument(doc.contents, src.limits, at);
  const tree: Tree = { contents: doc.contents, targets, base: 0 };
  for (const [root, value] of roots(data, doc, at)) {
    if (src.loadedBefore + out.length >= src.limits.documents) tooMany(src.limits, at(doc.contents));
    const rootOffset = offsetIn(tree, root);
    out.push(makeDoc(src, { range: doc.range, index: root.length ? out.length : index, root, rootOffset }, value));
  }
}

function tooMany(limits: LoadLimits, at: SourcePosition): never {
  throw new JkError('JK1103', { message: `more than ${limits.documents} documents in one run`, at, fix: 'apply the manifests in several runs (one directory per run)' });
}

/** The documents in one YAML document: itself, or the items of a list or of a `kind: List`. */
function roots(data: unknown, doc: Document, at: (node: unknown) => SourcePosition): [FieldPath, Record<string, unknown>][] {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) return data.map((v, i) => [[i], v as Record<string, unknown>]);
  if (typeof data !== 'object') {
    throw new JkError('JK1002', { message: 'a manifest must be a mapping with apiVersion, kind, metadata and spec', at: at(doc.contents), fix: 'write the resource as a YAML mapping' });
  }
  const rec = data as Record<string, unknown>;
  if (rec.kind === 'List' && Array.isArray(rec.items)) return rec.items.map((v, i) => [['items', i], v as Record<string, unknown>]);
  return [[[], rec]];
}

function position(src: Source, offset: number | undefined): SourcePosition {
  const lp = src.lc.linePos(offset ?? 0);
  return { file: src.file, line: lp.line, col: lp.col };
}

/** The node at `path` below `node`, through aliases and merge keys; `key` gives the key node of the last step. */
function nodeIn(node: unknown, path: FieldPath, targets: AliasTargets, key = false): unknown {
  let n = node;
  for (let i = 0; i < path.length; i++) {
    const d = deref(n, targets);
    const last = i === path.length - 1;
    if (isMap(d)) {
      const pair = findPair(d, path[i], targets);
      n = last && key ? pair?.key : pair?.value;
    } else if (isSeq(d) && typeof path[i] === 'number') n = d.items[path[i] as number];
    else return undefined;
    if (n === undefined || n === null) return undefined;
  }
  return n;
}

/** File offset of the node at `path` in `tree`, else of its nearest existing parent. */
function offsetIn(tree: Tree, path: FieldPath, key = false): number | undefined {
  if (key) {
    const k = (nodeIn(tree.contents, path, tree.targets, true) as Node | undefined)?.range?.[0];
    if (k !== undefined) return tree.base + k;
  }
  for (let n = path.length; n >= 0; n--) {
    const offset = (nodeIn(tree.contents, path.slice(0, n), tree.targets) as Node | undefined)?.range?.[0];
    if (offset !== undefined) return tree.base + offset;
  }
  return undefined;
}

/** The syntax tree of the document at `range` of the file, parsed again (the last one is kept). */
function treeAt(src: Source, range: readonly number[]): Tree {
  if (src.cache?.start === range[0]) return src.cache.tree;
  const doc = parseDocument(src.text.slice(range[0], range[2]), { uniqueKeys: true });
  const tree: Tree = { contents: doc.contents, targets: composeDocument(doc.contents, src.limits, () => position(src, 0)).targets, base: range[0] };
  src.cache = { start: range[0], tree };
  return tree;
}

/** Where one manifest sits: its YAML document's range in the file, its path in it (List items) and its index. */
interface Placement { range: readonly number[]; index: number; root: FieldPath; rootOffset: number | undefined }

function makeDoc(src: Source, { range, index, root, rootOffset }: Placement, data: Record<string, unknown>): ManifestDocument {
  const r = [range[0], range[1], range[2]];
  const at = (path: FieldPath, key = false) =>
    position(src, path.length === 0 ? rootOffset : offsetIn(treeAt(src, r), [...root, ...path], key) ?? rootOffset);
  return {
    data: data ?? {},
    file: src.file,
    index,
    positionOf: (path) => at(path),
    keyPositionOf: (path) => at(path, true),
  };
}
