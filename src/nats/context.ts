/** nats CLI contexts (~/.config/nats/context/<name>.json), so jetkeeper connects where `nats` does. */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { JkError } from '../errors.js';
import { splitServerUrls, type ConnectionSettings } from './settings.js';

export interface NatsContextFile {
  description?: string;
  url?: string;
  user?: string;
  password?: string;
  token?: string;
  creds?: string;
  nkey?: string;
  cert?: string;
  key?: string;
  ca?: string;
  tls_first?: boolean;
  jetstream_domain?: string;
}

/** The directory the nats CLI keeps contexts in: $XDG_CONFIG_HOME/nats or ~/.config/nats. */
export function natsConfigDir(home: string, xdgConfigHome?: string): string {
  return join(xdgConfigHome || join(home, '.config'), 'nats');
}

/** Name of the context `nats context select` chose, if any. */
export async function selectedContext(configDir: string): Promise<string | undefined> {
  try {
    const name = (await readFile(join(configDir, 'context.txt'), 'utf8')).trim();
    return name || undefined;
  } catch {
    return undefined;
  }
}

/** Reads a context by name or by path to a .json file. */
export async function readContext(nameOrPath: string, configDir: string): Promise<ConnectionSettings> {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(configDir, 'context', `${nameOrPath}.json`);
  let ctx: NatsContextFile;
  try {
    ctx = JSON.parse(await readFile(file, 'utf8')) as NatsContextFile;
  } catch (e) {
    // the JSON parser quotes the text around an error, and a context may hold a password or token
    const why = e instanceof SyntaxError ? 'it is not valid JSON' : ((e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]);
    throw new JkError('JK2004', {
      message: `cannot read nats context "${nameOrPath}" (${file}): ${why}`,
      fix: 'list contexts with `nats context ls`, or pass -s nats://host:4222',
    });
  }
  return contextToSettings(ctx, `context ${nameOrPath}`);
}

export function contextToSettings(ctx: NatsContextFile, origin: string): ConnectionSettings {
  const tls = ctx.ca || ctx.cert || ctx.key || ctx.tls_first ? { ca: ctx.ca || undefined, cert: ctx.cert || undefined, key: ctx.key || undefined, first: ctx.tls_first || undefined } : undefined;
  return {
    servers: splitServerUrls(ctx.url || 'nats://127.0.0.1:4222'),
    user: ctx.user || undefined,
    password: ctx.password || undefined,
    token: ctx.token || undefined,
    creds: ctx.creds || undefined,
    nkey: ctx.nkey || undefined,
    tls,
    jsDomain: ctx.jetstream_domain || undefined,
    origin,
  };
}

/** The description jetkeeper writes into contexts it registers, so it only ever replaces or removes its own. */
export const JETKEEPER_CONTEXT_DESCRIPTION = 'jetkeeper local cluster (written by jetkeeper up, removed by jetkeeper down)';

export interface RegisteredContext {
  name: string;
  file: string;
  /** the context is what `nats` uses without --context */
  selected: boolean;
}

async function readContextFile(file: string): Promise<NatsContextFile | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as NatsContextFile;
  } catch {
    return undefined;
  }
}

/**
 * Writes the nats CLI context `name` (`<configDir>/context/<name>.json`) for `url`, so
 * `nats --context <name> ...` reaches it; selects it only when `select` is set. A context of the
 * same name that jetkeeper did not write is left alone: the result is then undefined.
 */
export async function registerContext(configDir: string, name: string, url: string, opts: { select?: boolean } = {}): Promise<RegisteredContext | undefined> {
  const file = join(configDir, 'context', `${name}.json`);
  const existing = await readContextFile(file);
  if (existing && existing.description !== JETKEEPER_CONTEXT_DESCRIPTION) return undefined;
  await mkdir(dirname(file), { recursive: true });
  const ctx: NatsContextFile = { description: JETKEEPER_CONTEXT_DESCRIPTION, url };
  await writeFile(`${file}.tmp`, JSON.stringify(ctx, null, 2) + '\n', { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  if (opts.select) await writeFile(join(configDir, 'context.txt'), name);
  return { name, file, selected: opts.select === true || (await selectedContext(configDir)) === name };
}

/**
 * Removes the context `name` when jetkeeper wrote it for `url` (the cluster being stopped); when it
 * was selected, no context is selected afterwards. True when it was removed.
 */
export async function unregisterContext(configDir: string, name: string, url: string): Promise<boolean> {
  const file = join(configDir, 'context', `${name}.json`);
  const existing = await readContextFile(file);
  if (!existing || existing.description !== JETKEEPER_CONTEXT_DESCRIPTION || existing.url !== url) return false;
  await rm(file, { force: true });
  if ((await selectedContext(configDir)) === name) await rm(join(configDir, 'context.txt'), { force: true });
  return true;
}
