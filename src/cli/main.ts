/** jetkeeper's command line: one file per command, all thin over the library. */
import { Command } from 'commander';
import { addGlobalOptions } from './common.js';
import { accountsCommand } from './accounts.js';
import { applyCommand } from './apply.js';
import { controllerCommand } from './controller.js';
import { backupCommand } from './backup.js';
import { benchCommand } from './bench.js';
import { crdsCommand } from './crds.js';
import { downCommand } from './down.js';
import { drillCommand } from './drill.js';
import { explainCommand } from './explain.js';
import { exportCommand } from './export.js';
import { getCommand } from './get.js';
import { labCommand } from './lab.js';
import { metricsCommand } from './metrics.js';
import { checkCommand } from './check.js';
import { reportCommand } from './report.js';
import { doctorCommand } from './doctor.js';
import { lintCommand } from './lint.js';
import { addLogOptions, installLogger } from './log.js';
import { migrateCommand } from './migrate.js';
import { planCommand } from './plan.js';
import { restoreCommand } from './restore.js';
import { schemaCommand } from './schema.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';
import { validateCommand } from './validate.js';

export function buildProgram(): Command {
  const program = new Command('jetkeeper')
    .description('jetkeeper: declare NATS JetStream streams, consumers, KV and object stores as manifests; validate, plan, apply, export')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  addGlobalOptions(program);
  addLogOptions(program);
  installLogger(program);
  for (const register of [
    validateCommand, planCommand, applyCommand, getCommand, exportCommand, statusCommand, upCommand, downCommand, labCommand, schemaCommand, drillCommand, benchCommand, metricsCommand, checkCommand, reportCommand, doctorCommand, lintCommand, explainCommand, controllerCommand, backupCommand, restoreCommand, migrateCommand, accountsCommand, crdsCommand,
  ]) {
    register(program);
  }
  program.exitOverride((err) => {
    // commander's own errors (unknown option, missing argument) exit 1 with its message already printed
    process.exit(err.exitCode === 0 ? 0 : 1);
  });
  return program;
}

/** How long a finished command may wait for the client library to let go of its sockets. */
const EXIT_GRACE_MS = 2_000;

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
  // The command is done (its output written, stdout is synchronous for files and pipes on Linux).
  // A socket the NATS client failed to release (a TLS-first handshake that never completes) must
  // not keep the process alive: this timer does not hold the loop open by itself.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}
