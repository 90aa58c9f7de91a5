/**
 * Library errors name the option at fault in backticks (`` `allowReplace` ``, `` `portBase` ``);
 * on the command line the user typed a flag, so the CLI puts the flag in their place.
 */
import { JkError, JkErrors } from '../errors.js';

/** Library option -> the flag that sets it. */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  allowReplace: '--allow-replace',
  prune: '--prune',
  pruneMax: '--prune-max',
  timeout: '--timeout',
  servers: '--servers',
  portBase: '--port-base',
  count: '--count',
  netns: '--netns',
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
