/**
 * What every command shares: global flags, where to connect (flags, env, contexts, the local
 * cluster), loading manifests, output in text/json/yaml, and turning errors into exit codes.
 * The only place (with main.ts) that reads process.env.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Command } from 'commander';
import { escapeControlLines, JkError, JkErrors } from '../errors.js';
import { errorForCli, withFlagNames } from './flags.js';
export { table } from '../text.js';
import { loadManifests } from '../manifests/load.js';
import { validateDocuments, type Resource, type ValidateOptions, type ValidationResult } from '../manifests/validate.js';
import { JetStreamAdmin } from '../nats/admin.js';
import { resolveConnection, type ConnectionOptions } from '../nats/resolve.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { isOurServer, readClusterState, type ClusterState } from '../local/cluster.js';

export type OutputFormat = 'text' | 'json' | 'yaml';

/** The flags every command shares: where to connect (as the resolver takes them), output, state, owner. */
export interface GlobalOptions extends ConnectionOptions {
  output: OutputFormat;
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

/** Where to connect (see src/nats/resolve.ts): flags, the environment, nats contexts, the `jetkeeper up` cluster. */
export function resolveSettings(o: GlobalOptions): ConnectionSettings {
  return resolveConnection({
    options: o,
    env: process.env,
    home: homedir(),
    localCluster: runningLocalCluster(o)?.servers.map((x) => x.clientUrl),
    readText: readTextIfExists,
    serversLabel: '--server',
  });
}

function readTextIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** `up --dir DIR` leaves the directory here, so later commands find a cluster outside the default place. */
export function currentClusterFile(o: Pick<GlobalOptions, 'home'>): string {
  return join(stateHome(o), 'current-cluster');
}

/** Records a cluster started outside the default directory as the one commands connect to. */
export function rememberCluster(o: Pick<GlobalOptions, 'home'>, dir: string): void {
  const file = currentClusterFile(o);
  if (resolve(dir) === resolve(localClusterDir(o))) rmSync(file, { force: true });
  else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${resolve(dir)}\n`);
  }
}

/** Forgets the recorded cluster when it is the one in `dir`. */
export function forgetCluster(o: Pick<GlobalOptions, 'home'>, dir: string): void {
  const file = currentClusterFile(o);
  if (readTextIfExists(file)?.trim() === resolve(dir)) rmSync(file, { force: true });
}

/** The running `jetkeeper up` cluster: the default directory, else the one the last `up --dir` named. */
export function runningLocalCluster(o: Pick<GlobalOptions, 'home'>): ClusterState | undefined {
  const pointed = readTextIfExists(currentClusterFile(o))?.trim();
  for (const dir of [localClusterDir(o), ...(pointed ? [pointed] : [])]) {
    const state = runningClusterIn(dir);
    if (state) return state;
  }
  return undefined;
}

/** The cluster whose state is in `dir` if any of its servers is still running. */
export function runningClusterIn(dir: string): ClusterState | undefined {
  try {
    const state = readClusterState(dir);
    return state.servers.some((x) => isOurServer(x.pid, x.configFile)) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Connects, runs `fn`, always closes. */
export async function withAdmin<T>(o: GlobalOptions, fn: (admin: JetStreamAdmin) => Promise<T>): Promise<T> {
  const admin = await JetStreamAdmin.connect(resolveSettings(o));
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Reads stdin, stopping once more than `maxBytes` arrived (the loader refuses that much anyway). */
export async function readStdin(maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    size += (c as Buffer).length;
    if (size > maxBytes) break;
  }
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
  if (!result.resources.length) throw nothingDeclared(files, result);
  return result;
}

/** No resource in the input is an error, never an empty run (an empty run with prune would delete everything). */
export function nothingDeclared(files: readonly string[], r: ValidationResult): JkError {
  if (r.skipped.length) {
    return new JkError('JK1010', {
      message: `no jetstream.nats.io resources in ${files.join(', ')}: all ${r.skipped.length} document(s) were skipped (${[...new Set(r.skipped.map((x) => x.apiVersion))].slice(0, 3).join(', ')})`,
      fix: 'check the apiVersion of the documents (jetstream.nats.io/v1beta2) and the path given with -f',
    });
  }
  return new JkError('JK1010', { message: `no manifests found in ${files.join(', ')}`, fix: 'pass files or directories holding jetstream.nats.io manifests with -f, or - for stdin' });
}

export async function loadResources(files: readonly string[]): Promise<Resource[]> {
  return (await loadAndValidate(files)).resources;
}

/** Prints data in the chosen format; `text` uses the renderer. */
export function emit(o: Pick<GlobalOptions, 'output'>, data: unknown, text: () => string): void {
  if (o.output === 'json') process.stdout.write(JSON.stringify(data, null, 2) + '\n');
  else if (o.output === 'yaml') process.stdout.write(stringify(data));
  else process.stdout.write(escapeControlLines(withFlagNames(text())) + '\n');
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
  const shown = errors.map((x) => errorForCli(x) as JkError);
  if (output === 'json') process.stdout.write(JSON.stringify({ errors: shown.map((x) => x.toJSON()) }, null, 2) + '\n');
  else process.stderr.write(shown.map((x) => `error: ${x.format()}`).join('\n') + '\n');
  return errors[0].exitCode;
}

/** One line of progress on stderr, redrawn every 500 ms, only when stderr is a TTY. */
export function progressLine(render: () => string): { stop(): void } {
  if (!process.stderr.isTTY) return { stop() {} };
  const timer = setInterval(() => process.stderr.write(`\r\x1b[K${withFlagNames(render())}`), 500);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

/** Runs `body` with a signal that aborts on the first of `signals` (then `onInterrupt` runs). */
export async function untilInterrupted<T>(signals: readonly NodeJS.Signals[], body: (signal: AbortSignal) => Promise<T>, onInterrupt?: () => void): Promise<T> {
  const ac = new AbortController();
  const onSignal = () => {
    onInterrupt?.();
    ac.abort();
  };
  for (const s of signals) process.once(s, onSignal);
  try {
    return await body(ac.signal);
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
  }
}

/** Resolves once `signal` aborts; keeps the process alive meanwhile (a signal listener alone does not). */
export async function untilAborted(signal: AbortSignal): Promise<void> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    clearInterval(keepAlive);
  }
}
