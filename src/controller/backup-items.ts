/**
 * BackupPolicy documents as the controller's policy items: one per document, keyed
 * `BackupPolicy/<name>`, valid or with the JK7013 errors that name its fields. Used by the
 * directory source (the Kubernetes source reads BackupPolicy objects the same way).
 */
import { POLICY_API_VERSION, POLICY_KIND, validateBackupPolicies } from '../backup/policy.js';
import { JkError } from '../errors.js';
import type { ManifestDocument } from '../manifests/load.js';
import type { PolicyItem } from './source.js';

export const isPolicyDocument = (d: ManifestDocument): boolean => d.data.apiVersion === POLICY_API_VERSION && d.data.kind === POLICY_KIND;

function nameOf(d: ManifestDocument): string | undefined {
  const n = (d.data.metadata as { name?: unknown } | undefined)?.name;
  return typeof n === 'string' && n ? n : undefined;
}

/** The policy items of `docs` (without generation: the source counts those). */
export function policyItems(docs: readonly ManifestDocument[], where: (d: ManifestDocument) => string | undefined): Omit<PolicyItem, 'generation'>[] {
  const out = new Map<string, Omit<PolicyItem, 'generation'>>();
  for (const d of docs.filter(isPolicyDocument)) {
    const name = nameOf(d);
    let key = name ? `${POLICY_KIND}/${name}` : `${d.file}#${d.index}`;
    const { policies, errors } = validateBackupPolicies([d]);
    const errs = [...errors];
    if (out.has(key)) {
      errs.push(new JkError('JK7013', { message: `a second BackupPolicy named ${name}`, resource: key, field: 'metadata.name', at: d.positionOf(['metadata', 'name']), fix: 'give each BackupPolicy its own name' }));
      key = `${d.file}#${d.index}`;
    }
    out.set(key, errs.length ? { key, errors: errs, origin: where(d) } : { key, policy: policies[0], origin: where(d) });
  }
  return [...out.values()];
}
