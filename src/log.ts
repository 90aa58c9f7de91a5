/**
 * jetkeeper's one logger (pino). Library code takes a Logger as an option and never makes one
 * itself; the CLI makes it once (to stderr, so stdout stays the command's output) and passes it on.
 * Secrets never reach a log line: pino redacts the keys that hold them, and every string that
 * holds a URL loses its user info (`nats://user:***@host`).
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { ApplyEvent } from './apply/apply.js';
import type { ReconcileEvent } from './reconcile/reconcile.js';
import { redactUrl } from './nats/settings.js';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';

const SECRET_KEYS = ['password', 'pass', 'token', 'seed', 'nkey', 'creds', 'credentials', 'authorization', 'auth_token', 'jwt'];

/** The redact paths: each secret key at the top and up to two objects down, and request headers. */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  /** default `warn` */
  level?: LogLevel;
  /** `json`: one pino JSON object per line; `text` (default): `LEVEL message key=value ...` */
  format?: LogFormat;
  /** where lines go; the CLI passes stderr */
  destination: { write(line: string): unknown };
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s,'"]+/gi;

/** `text` with the user info of every URL in it hidden. */
export function redactUrls(text: string): string {
  return text.includes('@') ? text.replace(URL_IN_TEXT, redactUrl) : text;
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactUrls(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (value instanceof Error) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const NOT_FIELDS = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One pino JSON line as `LEVEL message key=value ...` for people. */
export function textLine(json: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const fields = Object.entries(o)
    .filter(([k]) => !NOT_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return `${LEVEL_NAMES[o.level as number] ?? String(o.level)} ${String(o.msg ?? '')}${fields.length ? ' ' + fields.join(' ') : ''}\n`;
}

/** A logger writing to `destination`, secrets redacted. */
export function createLogger(opts: LoggerOptions): Logger {
  const format = opts.format ?? 'text';
  const stream: DestinationStream = {
    write: format === 'json' ? (line: string) => void opts.destination.write(line) : (line: string) => void opts.destination.write(textLine(line)),
  };
  return pino(
    {
      level: opts.level ?? 'warn',
      base: undefined,
      redact: { paths: [...REDACT_PATHS], censor: '***' },
      formatters: { log: (o) => redactDeep(o) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactUrls(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}

/** ApplyOptions.onProgress that logs each event: start/done at debug, retry at info, failed at warn. */
export function logApplyEvents(log: Logger): (e: ApplyEvent) => void {
  return (e) => {
    const fields = { resource: e.key, action: e.action, status: e.status, ...(e.message ? { detail: e.message } : {}) };
    if (e.status === 'failed') log.warn(fields, `${e.action} ${e.key} failed`);
    else if (e.status === 'retry') log.info(fields, `${e.action} ${e.key}: retrying`);
    else log.debug(fields, `${e.action} ${e.key}: ${e.status}`);
  };
}

/** The reconcile core's events as log lines: each connection's phases at debug, each change as logApplyEvents does. */
export function logReconcileEvents(log: Logger): (e: ReconcileEvent) => void {
  const change = logApplyEvents(log);
  return (e) => {
    if (e.type === 'change') change(e);
    else log.debug({ connection: e.connection, phase: e.phase }, `${e.connection}: ${e.phase}`);
  };
}
