/**
 * Where to connect, decided from data: the options a front end was given, the environment, the
 * nats CLI context files and the running local cluster. No I/O of its own: files are read
 * through `readText`, so the same inputs always give the same settings.
 *
 * Order: servers option > context option > $NATS_URL > the local cluster > the selected nats
 * context > nats://127.0.0.1:4222. Auth and TLS options overlay whichever was chosen.
 */
import { join } from 'node:path';
import { JkError } from '../errors.js';
import { contextToSettings, natsConfigDir, type NatsContextFile } from './context.js';
import { splitServerUrls, type ConnectionSettings } from './settings.js';

export interface ConnectionOptions {
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
  /** request timeout in milliseconds, as text (as given) or a number */
  timeout?: string | number;
}

export interface ResolveInput {
  options: ConnectionOptions;
  env: Readonly<Record<string, string | undefined>>;
  /** the user's home directory (for ~/.config/nats) */
  home: string;
  /** client URLs of the running local cluster, if there is one */
  localCluster?: readonly string[];
  /** reads a file as text; undefined when it does not exist */
  readText: (path: string) => string | undefined;
  /** how messages name the servers option (a front end gives its flag); default "the servers option" */
  serversLabel?: string;
}

/** The longest timeout a Node.js timer holds (2^31 - 1 ms). */
export const MAX_TIMEOUT_MS = 2_147_483_647;
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Resolves the settings to connect with. Throws JK2010 for unusable values, JK2004 for unreadable contexts. */
export function resolveConnection(input: ResolveInput): ConnectionSettings {
  const configDir = natsConfigDir(input.home, input.env.XDG_CONFIG_HOME);
  const s = withTls(withAuth(chooseServers(input, configDir), input.options, input.env), input.options);
  return { ...s, jsDomain: input.options.jsDomain ?? s.jsDomain, timeoutMs: parseTimeout(input.options.timeout) };
}

/** Auth is all or nothing, as in NACK: a method given by option or environment replaces the chosen settings' auth. */
function withAuth(s: ConnectionSettings, o: ConnectionOptions, env: ResolveInput['env']): ConnectionSettings {
  const creds = o.creds ?? env.NATS_CREDS;
  const nkey = o.nkey ?? env.NATS_NKEY;
  const user = o.user ?? env.NATS_USER;
  const token = o.token ?? env.NATS_TOKEN;
  if (!(creds || nkey || user || token)) return s;
  return { ...s, creds, nkey, user, password: o.password ?? env.NATS_PASSWORD, token };
}

function withTls(s: ConnectionSettings, o: ConnectionOptions): ConnectionSettings {
  if (!(o.tlsca || o.tlscert || o.tlskey || o.tlsfirst)) return s;
  return { ...s, tls: { ...s.tls, ca: o.tlsca ?? s.tls?.ca, cert: o.tlscert ?? s.tls?.cert, key: o.tlskey ?? s.tls?.key, first: o.tlsfirst ?? s.tls?.first } };
}

function chooseServers(input: ResolveInput, configDir: string): ConnectionSettings {
  const { options: o, env } = input;
  const label = input.serversLabel ?? 'the servers option';
  if (o.server !== undefined) return { servers: serverList(o.server, label), origin: label };
  if (o.context) return readContextFile(o.context, configDir, input.readText);
  if (env.NATS_URL !== undefined && env.NATS_URL !== '') return { servers: serverList(env.NATS_URL, '$NATS_URL'), origin: '$NATS_URL' };
  if (input.localCluster?.length) return { servers: [...input.localCluster], origin: 'the `jetkeeper up` cluster' };
  const selected = input.readText(join(configDir, 'context.txt'))?.trim();
  if (selected) return readContextFile(selected, configDir, input.readText);
  return { servers: ['nats://127.0.0.1:4222'], origin: 'default' };
}

function serverList(text: string, what: string): string[] {
  const servers = splitServerUrls(text);
  if (!servers.length) {
    throw new JkError('JK2010', { message: `the server list (${what}) is empty`, field: 'servers', fix: 'name at least one server, e.g. nats://127.0.0.1:4222, or leave the option out to use the default' });
  }
  return servers;
}

/** A request timeout in milliseconds: a whole number from 1 to MAX_TIMEOUT_MS. */
export function parseTimeout(v: string | number | undefined): number {
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  const text = String(v).trim();
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_TIMEOUT_MS) {
    throw new JkError('JK2010', {
      message: `\`timeout\` must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(String(v).slice(0, 40))}`,
      field: 'timeout',
      option: 'timeout',
      fix: `give the timeout in milliseconds, e.g. ${DEFAULT_TIMEOUT_MS}`,
    });
  }
  return n;
}

function readContextFile(nameOrPath: string, configDir: string, readText: ResolveInput['readText']): ConnectionSettings {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(configDir, 'context', `${nameOrPath}.json`);
  let problem = 'it does not exist';
  try {
    const text = readText(file);
    if (text !== undefined) return contextToSettings(JSON.parse(text) as NatsContextFile, `context ${nameOrPath}`);
  } catch (e) {
    problem = (e as Error).message.split('\n')[0];
  }
  throw new JkError('JK2004', {
    message: `cannot read nats context "${nameOrPath}" (${file}): ${problem}`,
    fix: 'list contexts with `nats context ls`, or name the servers to connect to',
  });
}
