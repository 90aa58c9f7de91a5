/**
 * Loads manifests from files, directories (recursively) and stdin: multi-document YAML and
 * JSON, `kind: List` unwrapped. Every document keeps its file and the positions of its
 * values, so any later error can point at file:line:col.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from 'yaml';
import { JkError, type SourcePosition } from '../errors.js';

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

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Reads every input: a file, a directory (recursive, *.yaml|*.yml|*.json) or `-` for stdin. */
export async function loadManifests(inputs: readonly string[], readStdin: () => Promise<string>): Promise<ManifestDocument[]> {
  const docs: ManifestDocument[] = [];
  for (const input of inputs) {
    if (input === '-') {
      docs.push(...parseManifests(await readStdin(), '<stdin>'));
      continue;
    }
    for (const file of await manifestFiles(input)) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new JkError('JK1001', { message: `cannot read ${file}: ${(e as Error).message}`, fix: 'check the path passed with -f' });
      }
      docs.push(...parseManifests(text, file));
    }
  }
  return docs;
}

async function manifestFiles(path: string): Promise<string[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new JkError('JK1001', { message: `${path} does not exist`, fix: 'pass an existing file or directory with -f, or - for stdin' });
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await manifestFiles(p)));
    else if (MANIFEST_EXT.test(e.name)) out.push(p);
  }
  return out;
}

/** Parses one file's text into documents; YAML and JSON alike (JSON is YAML). */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  const lineCounter = new LineCounter();
  const yamlDocs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const out: ManifestDocument[] = [];
  const list = Array.isArray(yamlDocs) ? yamlDocs : [];
  list.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const lp = lineCounter.linePos(err.pos[0]);
      throw new JkError('JK1002', {
        message: err.message.split('\n')[0],
        at: { file, line: lp.line, col: lp.col },
        fix: 'fix the YAML/JSON syntax at this position',
      });
    }
    if (doc.contents === null) return; // empty document (e.g. a trailing ---)
    const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (data === null || data === undefined) return;
    if (Array.isArray(data)) {
      data.forEach((_, i) => out.push(makeDoc(doc, lineCounter, file, out.length, [i])));
      return;
    }
    if (typeof data !== 'object') {
      const lp = lineCounter.linePos(doc.contents.range?.[0] ?? 0);
      throw new JkError('JK1002', {
        message: 'a manifest must be a mapping with apiVersion, kind, metadata and spec',
        at: { file, line: lp.line, col: lp.col },
        fix: 'write the resource as a YAML mapping',
      });
    }
    const rec = data as Record<string, unknown>;
    if (rec.kind === 'List' && Array.isArray(rec.items)) {
      rec.items.forEach((_, i) => out.push(makeDoc(doc, lineCounter, file, out.length, ['items', i])));
      return;
    }
    out.push(makeDoc(doc, lineCounter, file, index, []));
  });
  return out;
}

function makeDoc(doc: Document, lc: LineCounter, file: string, index: number, root: FieldPath): ManifestDocument {
  const data = (root.length ? doc.getIn(root as unknown[], false) : doc.contents) as unknown;
  const plain = (data && typeof data === 'object' && 'toJSON' in data ? (data as { toJSON(): unknown }).toJSON() : doc.toJS()) as Record<string, unknown>;
  const at = (offset: number | undefined): SourcePosition => {
    const lp = lc.linePos(offset ?? 0);
    return { file, line: lp.line, col: lp.col };
  };
  const nodeAt = (path: FieldPath): Node | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn([...root, ...path.slice(0, n)] as unknown[], true) as Node | undefined;
      if (node && typeof node === 'object' && 'range' in node) return node;
    }
    return undefined;
  };
  return {
    data: plain ?? {},
    file,
    index,
    positionOf: (path) => at(nodeAt(path)?.range?.[0]),
    keyPositionOf: (path) => {
      const parent = doc.getIn([...root, ...path.slice(0, -1)] as unknown[], true);
      const last = path[path.length - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === last);
        const key = pair?.key as Node | undefined;
        if (key?.range) return at(key.range[0]);
      }
      if (isSeq(parent) && typeof last === 'number') {
        const item = parent.items[last] as Node | undefined;
        if (item?.range) return at(item.range[0]);
      }
      return at(nodeAt(path)?.range?.[0]);
    },
  };
}
