/**
 * Finding the nats-server binary jetkeeper runs for local clusters, and asking it its version.
 * No environment reads here: the CLI passes $JETKEEPER_NATS_SERVER, $JETKEEPER_CACHE, $HOME and $PATH in.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { JkError } from '../errors.js';

export const INSTALL_FIX =
  'run `node scripts/install-nats.mjs` (installs with Go) or `apt-get install nats-server`, or name the binary with `natsServer`';

export interface FindNatsServerOptions {
  /** the binary the caller names (`natsServer`; the CLI's --nats-server) */
  explicit?: string;
  /** `$JETKEEPER_NATS_SERVER` */
  envPath?: string;
  /** jetkeeper's cache dir (see defaultCacheDir); `<cacheDir>/bin/nats-server` is tried */
  cacheDir: string;
  /** `$PATH`; when absent PATH is not searched */
  pathEnv?: string;
}

/** `$JETKEEPER_CACHE` when set, else `<home>/.cache/jetkeeper`. */
export function defaultCacheDir(home: string, envCache?: string): string {
  return envCache && envCache.trim() !== '' ? resolve(envCache) : join(home, '.cache', 'jetkeeper');
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, pathEnv: string | undefined): string | undefined {
  if (!pathEnv) return undefined;
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutableFile(p)) return resolve(p);
  }
  return undefined;
}

/**
 * The nats-server to run. Order: `explicit` (the CLI's --nats-server), `envPath` ($JETKEEPER_NATS_SERVER),
 * `<cacheDir>/bin/nats-server`, then `nats-server` on `pathEnv`.
 * An explicit or env path that does not exist is an error (not silently skipped): the user asked for it.
 * A bare name (no `/`) given explicitly is looked up on `pathEnv`.
 * Throws JK4001 naming everything that was searched.
 */
export function findNatsServer(opts: FindNatsServerOptions): string {
  const named = (value: string, what: string): string => {
    const p = value.includes('/') || isAbsolute(value) ? resolve(value) : searchPath(value, opts.pathEnv);
    if (p && isExecutableFile(p)) return p;
    throw new JkError('JK4001', {
      message: `nats-server not found: ${what} is ${JSON.stringify(value)}, which is not an executable file${
        value.includes('/') ? '' : ' on PATH'
      }`,
      fix: INSTALL_FIX,
    });
  };
  if (opts.explicit !== undefined && opts.explicit !== '') return named(opts.explicit, '`natsServer`');
  if (opts.envPath !== undefined && opts.envPath !== '') return named(opts.envPath, '$JETKEEPER_NATS_SERVER');

  const searched: string[] = [];
  const cached = join(opts.cacheDir, 'bin', 'nats-server');
  searched.push(cached);
  if (isExecutableFile(cached)) return cached;

  const onPath = searchPath('nats-server', opts.pathEnv);
  if (onPath) return onPath;
  searched.push(opts.pathEnv ? `PATH (${opts.pathEnv})` : 'PATH (not set)');

  throw new JkError('JK4001', {
    message: `nats-server not found; searched \`natsServer\` (not given), $JETKEEPER_NATS_SERVER (not set), ${searched.join(', ')}`,
    fix: INSTALL_FIX,
  });
}

/**
 * The version a nats-server binary reports, from `bin --version` (`nats-server: v2.15.2`), without the
 * leading `v` (as /varz reports it): `2.15.2`. Throws JK4001 when the binary cannot run or says no version.
 */
export function serverVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const out = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const m = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/.exec(out);
  if (r.error || r.status !== 0 || !m) {
    const why = r.error ? r.error.message : r.status !== 0 ? `exit ${r.status ?? r.signal}` : `no version in ${JSON.stringify(out.trim())}`;
    throw new JkError('JK4001', {
      message: `cannot run ${bin} --version: ${why}`,
      fix: INSTALL_FIX,
      cause: r.error,
    });
  }
  return m[1]!;
}
