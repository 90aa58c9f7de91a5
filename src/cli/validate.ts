/** `jetkeeper validate -f PATH`: schema and reference checks, no server needed. */
import type { Command } from 'commander';
import { action, emit, globalOptions, loadAndValidate } from './common.js';

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('check manifests against the schemas (unknown fields, types, durations, references); no server needed')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .action(action(async (opts: { filename: string[] }, cmd: Command) => {
      const o = globalOptions(cmd);
      // one file of a set may name an Account kept in another file: a warning here, an error in plan/apply
      const r = await loadAndValidate(opts.filename, { references: 'warning' });
      const data = {
        valid: true,
        resources: r.resources.map((x) => ({ kind: x.kind, name: x.name, key: x.key, file: x.doc?.file, line: x.doc?.positionOf([]).line })),
        skipped: r.skipped,
        warnings: r.warnings.map((w) => w.toJSON()),
      };
      emit(o, data, () => [
        ...r.resources.map((x) => `ok  ${x.kind}/${x.name}  (${x.key})  ${x.doc?.file}:${x.doc?.positionOf([]).line}`),
        ...r.skipped.map((s) => `--  ${s.kind} (${s.apiVersion}) in ${s.file}: not a jetstream.nats.io resource, skipped`),
        ...r.warnings.map((w) => `warning: ${w.format()}`),
        `${r.resources.length} resource(s) valid.`,
      ].join('\n'));
    }));
}
