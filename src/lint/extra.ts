/**
 * The documents of jetstream.jetkeeper.io beside the jetstream.nats.io manifests: the security
 * model (Operator, NatsAccount, NatsUser, validated by src/accounts) and BackupPolicy documents
 * (validated by src/backup). Their errors join the report; their resources get positions and
 * inline ignores like any other.
 */
import { validateSecurityDocuments } from '../accounts/validate.js';
import type { SecurityModel } from '../accounts/model.js';
import { POLICY_API_VERSION, POLICY_KIND, validateBackupPolicies, type BackupPolicy } from '../backup/policy.js';
import type { JkError } from '../errors.js';
import type { ManifestDocument } from '../manifests/load.js';
import type { Resource } from '../manifests/validate.js';
import type { KindName } from '../resources/kind.js';
import { SECURITY_API_VERSION } from '../resources/kind.js';

export interface ExtraInput {
  /** the security model, when the input declares one and it is valid */
  security?: SecurityModel;
  /** Operator, NatsAccount and NatsUser documents as resources (key `NatsUser/<name>`), for positions and ignores */
  securityResources: Resource[];
  /** valid BackupPolicy documents */
  backupPolicies: BackupPolicy[];
  errors: JkError[];
}

export const NO_EXTRA: ExtraInput = { securityResources: [], backupPolicies: [], errors: [] };

const GROUP = SECURITY_API_VERSION.split('/')[0];

const isPolicy = (d: ManifestDocument) => d.data.apiVersion === POLICY_API_VERSION && d.data.kind === POLICY_KIND;
const isSecurity = (d: ManifestDocument) => !isPolicy(d) && String(d.data.apiVersion ?? '').split('/')[0] === GROUP;

function asResource(kind: string, name: string, spec: unknown, docs: readonly ManifestDocument[]): Resource {
  const doc = docs.find((d) => d.data.kind === kind && (d.data.metadata as { name?: unknown } | undefined)?.name === name);
  return { kind: kind as KindName, name, spec, key: `${kind}/${name}`, doc };
}

function securityResources(m: SecurityModel, docs: readonly ManifestDocument[]): Resource[] {
  return [
    asResource('Operator', m.operator.name, m.operator.spec, docs),
    ...m.accounts.map((a) => asResource('NatsAccount', a.name, a.spec, docs)),
    ...m.users.map((u) => asResource('NatsUser', u.name, u.spec, docs)),
  ];
}

/** Validates the jetstream.jetkeeper.io documents among `docs` (none: nothing to do, no error). */
export function extraInput(docs: readonly ManifestDocument[]): ExtraInput {
  const security = docs.filter(isSecurity);
  const policies = docs.filter(isPolicy);
  const out: ExtraInput = { securityResources: [], backupPolicies: [], errors: [] };
  if (security.length) {
    const v = validateSecurityDocuments(security);
    out.errors.push(...v.errors);
    if (v.model) {
      out.security = v.model;
      out.securityResources = securityResources(v.model, security);
    }
  }
  if (policies.length) {
    const v = validateBackupPolicies(policies);
    out.errors.push(...v.errors);
    out.backupPolicies = v.policies;
  }
  return out;
}
