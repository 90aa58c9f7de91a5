/** `jetkeeper lint -f PATH`: policy rules over manifests (no server); text, JSON or SARIF; exit 1 on an error finding. */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { JkError, JkErrors } from '../errors.js';
import { formatJson, formatSarif, formatText, lintDocuments, lintExitCode, parseLintConfig, RULES, DEFAULT_CONFIG, type LintConfig } from '../lint/index.js';
import { loadManifests } from '../manifests/load.js';
import { action, readStdin } from './common.js';
import { intFlag } from './flags.js';

type Format = 'text' | 'json' | 'yaml' | 'sarif';

/** --format wins; else -o json|yaml; else text. */
function formatOf(opts: LintOptions, output: string | undefined): Format {
  const format = opts.format ?? (output === 'json' || output === 'yaml' ? output : 'text');
  if (!['text', 'json', 'sarif', 'yaml'].includes(format)) throw new JkError('JK1012', { message: `unknown lint format "${format}"`, fix: 'use --format text, --format json or --format sarif' });
  return format as Format;
}

function nothingToLint(files: readonly string[], skipped: boolean): JkErrors {
  return new JkErrors([new JkError('JK1010', {
    message: skipped ? `no jetstream.nats.io resources in ${files.join(', ')}: every document was skipped` : `no manifests found in ${files.join(', ')}`,
    fix: 'pass files or directories holding jetstream.nats.io manifests with -f, or - for stdin',
  })]);
}

interface LintOptions { filename: string[]; format: string; config?: string; maxWarnings?: string; docsBase?: string }

const DEFAULT_CONFIG_FILE = '.jetkeeper-lint.yaml';

function readConfig(path: string | undefined): LintConfig {
  const file = path ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (!file) return DEFAULT_CONFIG;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new JkError('JK1201', { message: `cannot read the lint configuration ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, fix: 'check the path passed with --config' });
  }
  return parseLintConfig(text, file, RULES.map((r) => r.id));
}

export function lintCommand(program: Command): void {
  program
    .command('lint')
    .description('check manifests against policy rules (replicas, subjects, retention, acks, limits); no server needed')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .option('--format <format>', 'text, json or sarif (default: text, or json with -o json)')
    .option('--config <file>', `lint configuration (default: ${DEFAULT_CONFIG_FILE} when present)`)
    .option('--max-warnings <n>', 'also exit 1 when there are more warnings than this (e.g. 0)')
    .option('--docs-base <url>', 'prefix of the rule docs links in SARIF (e.g. https://github.com/ORG/REPO/blob/main/)')
    .action(action(async (opts: LintOptions, cmd: Command) => {
      const format = formatOf(opts, (cmd.optsWithGlobals() as { output?: string }).output);
      const maxWarnings = opts.maxWarnings === undefined ? undefined : intFlag('max-warnings', opts.maxWarnings);
      const config = readConfig(opts.config);
      const docs = await loadManifests(opts.filename, readStdin);
      const report = lintDocuments(docs, config);
      // an empty run is an error, as for validate: a typo in -f must not pass CI
      if (!report.summary.resources && !report.findings.length) throw nothingToLint(opts.filename, docs.length > 0);
      if (format === 'sarif') process.stdout.write(JSON.stringify(formatSarif(report, { root: process.cwd(), docsBase: opts.docsBase || undefined, toolVersion: program.version() }), null, 2) + '\n');
      else if (format === 'yaml') process.stdout.write(stringify(JSON.parse(formatJson(report))));
      else process.stdout.write((format === 'json' ? formatJson(report) : formatText(report)) + '\n');
      return lintExitCode(report, maxWarnings);
    }));
}
