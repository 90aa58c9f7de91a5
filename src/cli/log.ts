/** `--log-level` and `--log-format`: the CLI makes the one logger (to stderr) and hands it to commands. */
import { Option, type Command } from 'commander';
import { JkError } from '../errors.js';
import { createLogger, LOG_LEVELS, type LogFormat, type Logger, type LogLevel } from '../log.js';

/** Adds the logging flags to the program. */
export function addLogOptions(program: Command): Command {
  return program
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(LOG_LEVELS).default('warn'))
    .addOption(new Option('--log-format <format>', 'log lines on stderr as').choices(['text', 'json']).default('text'));
}

/** The logger for the flags given (stdout stays the command's output: logs go to stderr). */
export function loggerFor(o: { logLevel?: string; logFormat?: string }, destination: { write(line: string): unknown } = process.stderr): Logger {
  const level = (o.logLevel ?? 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new JkError('JK1012', { message: `unknown log level ${JSON.stringify(o.logLevel)}`, fix: `use --log-level ${LOG_LEVELS.join('|')}` });
  }
  const format = (o.logFormat ?? 'text') as LogFormat;
  if (format !== 'text' && format !== 'json') {
    throw new JkError('JK1012', { message: `unknown log format ${JSON.stringify(o.logFormat)}`, fix: 'use --log-format text or --log-format json' });
  }
  return createLogger({ level, format, destination });
}

/** Makes the logger before any command runs and keeps it on the program, where loggerOf finds it. */
export function installLogger(program: Command): void {
  program.hook('preAction', (root, actionCommand) => {
    const o = actionCommand.optsWithGlobals<{ logLevel?: string; logFormat?: string }>();
    const log = loggerFor(o);
    root.setOptionValue('logger', log);
    log.debug({ command: actionCommand.name(), args: actionCommand.args, options: actionCommand.opts() }, `jetkeeper ${actionCommand.name()}`);
  });
}

/** The logger of the run (`installLogger`); a stderr logger at warn when there is none. */
export function loggerOf(cmd: Command): Logger {
  const log = cmd.optsWithGlobals<{ logger?: Logger }>().logger;
  return log ?? loggerFor({});
}
