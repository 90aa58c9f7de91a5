/**
 * What every command shares: global flags, where to connect (flags, env, contexts, the local
 * cluster), loading manifests, output in text/json/yaml, and turning errors into exit codes.
 * The only place (with main.ts) that reads process.env.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Command } from 'commander';
import { JkError, JkErrors } from '../errors.js';
import { loadManifests } from '../manifests/load.js';
import { validateDocuments, type Resource, type ValidateOptions, type ValidationResult } from '../manifests/validate.js';
import { JetStreamAdmin } from '../nats/admin.js';
import { natsConfigDir, readContext, selectedContext } from '../nats/context.js';
import { splitServerUrls, type ConnectionSettings } from '../nats/settings.js';
import { groupByConnection, type ConnectionGroup } from '../apply/connections.js';
import { isOurServer, readClusterState, type ClusterState } from '../local/cluster.js';

export type OutputFormat = 'text' | 'json' | 'yaml';

export interface GlobalOptions {
  output: OutputFormat;
  server?: string;
  context?: string;
  creds?: string;
  nkey?: string;
  user?: string;
  password?: string;
  token?: string;
  tlsca?: string;
  tlscert?: string;
  tlskey?: string;
  tlsfirst?: boolean;
  jsDomain?: string;
  home?: string;
  owner: string;
  timeout: string;
}

/** Adds the flags every command that talks to NATS understands. */
export function addGlobalOptions(program: Command): Command {
  return program
    .option('-o, --output <format>', 'output format: text, json or yaml', 'text')
    .option('-s, --server <urls>', 'NATS server URLs, comma separated (default: $NATS_URL, the `jetkeeper up` cluster, the selected nats context, nats://127.0.0.1:4222)')
    .option('--context <name>', 'nats CLI context name or path to a context .json')
    .option('--creds <file>', 'user credentials file (.creds)')
    .option('--nkey <file>', 'file holding an NKey seed')
    .option('--user <user>', 'user name')
    .option('--password <password>', 'password (prefer $NATS_PASSWORD: flags show up in `ps`)')
    .option('--token <token>', 'auth token (prefer $NATS_TOKEN)')
    .option('--tlsca <file>', 'CA certificate to verify the server')
    .option('--tlscert <file>', 'client certificate')
    .option('--tlskey <file>', 'client key')
    .option('--tlsfirst', 'TLS handshake before the NATS protocol')
    .option('--js-domain <domain>', 'JetStream domain')
    .option('--home <dir>', 'jetkeeper state directory (default $JETKEEPER_HOME or ~/.local/state/jetkeeper)')
    .option('--owner <name>', 'ownership tag written to managed resources; prune deletes only resources with this owner', 'default')
    .option('--timeout <ms>', 'request timeout in milliseconds', '10000');
}

export function globalOptions(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals<GlobalOptions>();
  if (!['text', 'json', 'yaml'].includes(o.output)) {
    throw new JkError('JK1012', { message: `unknown output format "${o.output}"`, fix: 'use -o text, -o json or -o yaml' });
  }
  return o;
}

/** jetkeeper's state directory (local clusters live in <home>/local). */
export function stateHome(o: Pick<GlobalOptions, 'home'>): string {
  return o.home ?? process.env.JETKEEPER_HOME ?? join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'jetkeeper');
}

export function localClusterDir(o: Pick<GlobalOptions, 'home'>): string {
  return join(stateHome(o), 'local');
}

export function cacheDir(): string {
  return process.env.JETKEEPER_CACHE ?? join(homedir(), '.cache', 'jetkeeper');
}

/** Where to connect: flags > --context > $NATS_URL > `jetkeeper up` cluster > selected nats context > localhost. */
export async function resolveSettings(o: GlobalOptions): Promise<ConnectionSettings> {
  const env = process.env;
  const configDir = natsConfigDir(homedir(), env.XDG_CONFIG_HOME);
  let s: ConnectionSettings;
  if (o.server) s = { servers: splitServerUrls(o.server), origin: '--server' };
  else if (o.context) s = await readContext(o.context, configDir);
  else if (env.NATS_URL) s = { servers: splitServerUrls(env.NATS_URL), origin: '$NATS_URL' };
  else {
    const local = runningLocalCluster(localClusterDir(o));
    const selected = local ? undefined : await selectedContext(configDir);
    if (local) s = { servers: local.servers.map((x) => x.clientUrl), origin: 'the `jetkeeper up` cluster' };
    else if (selected) s = await readContext(selected, configDir);
    else s = { servers: ['nats://127.0.0.1:4222'], origin: 'default' };
  }
  const creds = o.creds ?? env.NATS_CREDS;
  const nkey = o.nkey ?? env.NATS_NKEY;
  const user = o.user ?? env.NATS_USER;
  const token = o.token ?? env.NATS_TOKEN;
  if (creds || nkey || user || token) {
    // auth is all or nothing, as in NACK: a new method replaces the context's
    s = { ...s, creds, nkey, user, password: o.password ?? env.NATS_PASSWORD, token };
  }
  if (o.tlsca || o.tlscert || o.tlskey || o.tlsfirst) {
    s = { ...s, tls: { ...s.tls, ca: o.tlsca ?? s.tls?.ca, cert: o.tlscert ?? s.tls?.cert, key: o.tlskey ?? s.tls?.key, first: o.tlsfirst ?? s.tls?.first } };
  }
  const timeout = Number.parseInt(o.timeout, 10);
  return { ...s, jsDomain: o.jsDomain ?? s.jsDomain, timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 10_000 };
}

/** The `jetkeeper up` cluster in `dir` if any of its servers is still running. */
export function runningLocalCluster(dir: string): ClusterState | undefined {
  try {
    const state = readClusterState(dir);
    return state.servers.some((x) => isOurServer(x.pid, x.configFile)) ? state : undefined;
  } catch {
    return undefined;
  }
}

export interface ConnectedGroup extends ConnectionGroup {
  admin: JetStreamAdmin;
}

/**
 * Connects once per distinct connection the resources resolve to (flags, overlaid by each
 * resource's Account and own connection fields, as NACK does), runs `fn`, always closes.
 */
export async function withConnectionGroups<T>(o: GlobalOptions, resources: readonly Resource[], fn: (groups: ConnectedGroup[]) => Promise<T>): Promise<T> {
  const groups = await groupByConnection(resources, await resolveSettings(o));
  const connected: ConnectedGroup[] = [];
  try {
    for (const g of groups) connected.push({ ...g, admin: await JetStreamAdmin.connect(g.settings) });
    return await fn(connected);
  } finally {
    await Promise.all(connected.map((g) => g.admin.close()));
  }
}

/** Connects, runs `fn`, always closes. */
export async function withAdmin<T>(o: GlobalOptions, fn: (admin: JetStreamAdmin) => Promise<T>): Promise<T> {
  const admin = await JetStreamAdmin.connect(await resolveSettings(o));
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Loads and validates manifests; every error found is thrown at once. */
export async function loadAndValidate(files: readonly string[], options: ValidateOptions = {}): Promise<ValidationResult> {
  if (!files.length) {
    throw new JkError('JK1010', { message: 'no manifests given', fix: 'pass -f FILE|DIR (repeatable) or -f - for stdin' });
  }
  const docs = await loadManifests(files, readStdin);
  const result = validateDocuments(docs, options);
  if (result.errors.length) throw new JkErrors(result.errors);
  return result;
}

export async function loadResources(files: readonly string[]): Promise<Resource[]> {
  return (await loadAndValidate(files)).resources;
}

/** Prints data in the chosen format; `text` uses the renderer. */
export function emit(o: Pick<GlobalOptions, 'output'>, data: unknown, text: () => string): void {
  if (o.output === 'json') process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else if (o.output === 'yaml') process.stdout.write(stringify(data));
  else process.stdout.write(text() + '\n');
}

/** Simple aligned table. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Wraps a command action: errors become a message (or JSON), never a stack trace, and an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as Command;
    let output: OutputFormat = 'text';
    try {
      output = (cmd.optsWithGlobals() as { output?: OutputFormat }).output ?? 'text';
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (e) {
      process.exitCode = reportError(e, output);
    }
  };
}

export function reportError(e: unknown, output: OutputFormat): number {
  const errors = e instanceof JkErrors ? e.errors : e instanceof JkError ? [e] : undefined;
  if (!errors) {
    const err = new JkError('JK9001', { message: String((e as Error)?.message ?? e), fix: 'this is a bug in jetkeeper: please report it with the command you ran' });
    if (process.env.JETKEEPER_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
    return reportError(err, output);
  }
  if (output === 'json') process.stdout.write(JSON.stringify({ errors: errors.map((x) => x.toJSON()) }, null, 2) + '\n');
  else process.stderr.write(errors.map((x) => `error: ${x.format()}`).join('\n') + '\n');
  return errors[0].exitCode;
}
