/**
 * Which files `-f PATH` names: a regular file as it is; a directory recursively (*.yaml, *.yml,
 * *.json, hidden entries skipped, sorted by name). Symbolic links are followed, to files and to
 * directories alike, each directory read once (a link back to a parent is not a loop). Anything
 * else (a FIFO, a socket, a device) is refused: it could block the read forever.
 */
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Why a path cannot be used, in words (never a raw errno). */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return 'does not exist';
    case 'ELOOP': return 'is a symbolic link that loops back to itself';
    case 'EACCES': case 'EPERM': return 'cannot be read: permission denied';
    case 'ENOTDIR': return 'does not exist (a part of the path is not a directory)';
    case 'ENAMETOOLONG': return 'is too long a path';
    default: return `cannot be read: ${code ?? (e as Error)?.message}`;
  }
}

async function statOf(path: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const link = code === 'ENOENT' ? await readlink(path).catch(() => undefined) : undefined;
    const message = link !== undefined ? `${path} is a symbolic link to ${link}, which does not exist` : `${path} ${reason(e)}`;
    throw new JkError('JK1001', { message, fix: code === 'EACCES' ? 'give the user running jetkeeper read access' : 'pass an existing file or directory with -f, or - for stdin' });
  }
}

function notRegular(path: string): JkError {
  return new JkError('JK1105', {
    message: `${path} is not a regular file or directory (a FIFO, socket or device could block the read forever)`,
    fix: 'pipe such input into jetkeeper and pass -f - (e.g. `kustomize build | jetkeeper validate -f -`)',
  });
}

/** The manifest files a path names, in a stable order. */
export async function manifestFiles(path: string): Promise<string[]> {
  const st = await statOf(path);
  if (st.isFile()) return [path];
  if (!st.isDirectory()) throw notRegular(path);
  const out: string[] = [];
  await walk(path, new Set(), out);
  return out;
}

async function walk(dir: string, seen: Set<string>, out: string[]): Promise<void> {
  const real = await realpath(dir).catch(() => dir);
  if (seen.has(real)) return;
  seen.add(real);
  let names: string[];
  try {
    names = (await readdir(dir)).sort((a, b) => a.localeCompare(b));
  } catch (e) {
    throw new JkError('JK1001', { message: `directory ${dir} ${reason(e)}`, fix: 'give the user running jetkeeper read access, or pass the files you mean with -f' });
  }
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const isLink = (await lstat(p).catch(() => undefined))?.isSymbolicLink() ?? false;
    const st = isLink || MANIFEST_EXT.test(name) ? await statOf(p) : await stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) await walk(p, seen, out);
    else if (!MANIFEST_EXT.test(name)) continue;
    else if (st.isFile()) out.push(p);
    else throw notRegular(p);
  }
}
