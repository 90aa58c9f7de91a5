/**
 * Library errors name the option at fault in backticks (`` `allowReplace` ``, `` `portBase` ``);
 * on the command line the user typed a flag, so the CLI puts the flag in their place.
 */
import { JkError, JkErrors } from '../errors.js';
import { parseDuration } from '../resources/duration.js';

/** Library option -> the flag that sets it. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  allowReplace: '--allow-replace',
  prune: '--prune',
  pruneMax: '--prune-max',
  tlsca: '--tlsca',
  tlscert: '--tlscert',
  tlskey: '--tlskey',
  timeout: '--timeout',
  servers: '--servers',
  portBase: '--port-base',
  count: '--count',
  netns: '--netns',
  secure: '--secure',
  dir: '--dir',
  name: '--name',
  natsServer: '--nats-server',
  rate: '--rate',
  durationMs: '--duration',
  target: '--target',
  keep: '--keep',
  creds: '--creds',
  nkey: '--nkey',
  user: '--user',
  server: '--server',
  context: '--context',
  subject: '--subject',
  js: '--js',
};

/** `text` with every backticked option name replaced by its flag. */
export function withFlagNames(text: string): string;
export function withFlagNames(text: string | undefined): string | undefined;
export function withFlagNames(text: string | undefined): string | undefined {
  return text?.replace(/`([A-Za-z]+)`/g, (whole, option: string) => OPTION_FLAGS[option] ?? whole);
}

function errorWithFlags(e: JkError): JkError {
  const copy = new JkError(e.code, {
    message: withFlagNames(e.message),
    fix: withFlagNames(e.fix),
    resource: e.resource,
    field: e.field,
    at: e.at,
    cause: e.cause,
    transient: e.transient,
    apiCode: e.apiCode,
    option: e.option,
  });
  copy.stack = e.stack;
  return copy;
}

/** The error as the command line shows it: options named by their flags. Anything else is returned as is. */
export function errorForCli(e: unknown): unknown {
  if (e instanceof JkErrors) return new JkErrors(e.errors.map(errorWithFlags));
  if (e instanceof JkError) return errorWithFlags(e);
  return e;
}

/** A Go duration flag (`20s`, `1m30s`) in milliseconds; JK1012 when it is not one. */
export function durationFlag(name: string, value: string, min = 0): number {
  const d = parseDuration(value);
  if ('error' in d || d.ns / 1e6 < min) {
    throw new JkError('JK1012', {
      message: `--${name} ${JSON.stringify(value)}: ${'error' in d ? d.error : `must be at least ${min}ms`}`,
      fix: `pass a Go duration such as --${name} 20s`,
    });
  }
  return d.ns / 1e6;
}

/** An integer flag >= min; JK1012 when it is not one. */
export function intFlag(name: string, value: string, min = 0): number {
  // digits only: Number() would also take "", "1e3" and " 7 "
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new JkError('JK1012', { message: `--${name} must be an integer >= ${min}, not ${JSON.stringify(value.slice(0, 40))}`, fix: `pass e.g. --${name} ${Math.max(min, 1)}` });
  }
  return n;
}
