/**
 * `jetkeeper validate -f PATH`: schema and reference checks, no server needed. jetstream.nats.io
 * manifests are validated as plan/apply read them; BackupPolicy documents
 * (jetstream.jetkeeper.io/v1alpha1) as the backup schedule reads them; other documents are skipped.
 */
import type { Command } from 'commander';
import { POLICY_API_VERSION, POLICY_KIND, validateBackupPolicies } from '../backup/policy.js';
import { JkError, JkErrors } from '../errors.js';
import { loadManifests, type ManifestDocument } from '../manifests/load.js';
import { validateDocuments, type ValidationResult } from '../manifests/validate.js';
import { action, emit, globalOptions, nothingDeclared, readStdin } from './common.js';

interface Listed { kind: string; name: string; key: string; file?: string; line?: number }

const isPolicy = (d: ManifestDocument) => d.data.apiVersion === POLICY_API_VERSION && d.data.kind === POLICY_KIND;

/** Validates both kinds of documents; every error of the run at once. */
function validateAll(files: readonly string[], docs: readonly ManifestDocument[]): { r: ValidationResult; policies: Listed[] } {
  // one file of a set may name an Account kept in another file: a warning here, an error in plan/apply
  const r = validateDocuments(docs, { references: 'warning' });
  const policyDocs = docs.filter(isPolicy);
  const b = validateBackupPolicies(policyDocs);
  const errors = [...r.errors, ...b.errors];
  if (errors.length) throw new JkErrors(errors);
  const policies = policyDocs.map((d): Listed => {
    const name = String((d.data.metadata as { name?: unknown }).name);
    return { kind: POLICY_KIND, name, key: `${POLICY_KIND}/${name}`, file: d.file, line: d.positionOf([]).line };
  });
  const skipped = r.skipped.filter((s) => !policyDocs.some((d) => d.file === s.file && d.index === s.index));
  const result = { ...r, skipped };
  if (!r.resources.length && !policies.length) throw nothingDeclared(files, result);
  return { r: result, policies };
}

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('check manifests against the schemas (unknown fields, types, durations, references; BackupPolicy documents too); no server needed')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .action(action(async (opts: { filename: string[] }, cmd: Command) => {
      const o = globalOptions(cmd);
      const { r, policies } = validateAll(opts.filename, await loadManifests(opts.filename, readStdin));
      const listed: Listed[] = [...r.resources.map((x) => ({ kind: x.kind, name: x.name, key: x.key, file: x.doc?.file, line: x.doc?.positionOf([]).line })), ...policies];
      const data = { valid: true, resources: listed, skipped: r.skipped, warnings: r.warnings.map((w) => w.toJSON()) };
      emit(o, data, () => [
        ...listed.map((x) => `ok  ${x.kind}/${x.name}  (${x.key})  ${x.file}:${x.line}`),
        ...r.skipped.map((s) => `--  ${s.kind} (${s.apiVersion}) in ${s.file}: not a jetstream.nats.io resource, skipped`),
        ...r.warnings.map((w) => `warning: ${w.format()}`),
        `${listed.length} resource(s) valid.`,
      ].join('\n'));
    }));
}
