/**
 * Accounts and users as code: Operator, NatsAccount and NatsUser manifests -> NKeys (stored once,
 * 0600), operator/account/user JWTs, creds files, a nats context for the system user, and the push
 * of account JWTs to the servers' resolver.
 */
import { readFileSync } from 'node:fs';
import { JkError, JkErrors } from '../errors.js';
import type { ManifestDocument } from '../manifests/load.js';
import { validateDocuments } from '../manifests/validate.js';
import { pushAccountJwts, type ClaimsUpdate } from '../nats/resolver.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { issueSecurity, type IssueOptions, type IssueResult } from './issue.js';
import { KeyStore } from './keys.js';
import type { SecurityModel } from './model.js';
import { planSecurity, prepare, type SecurityPlan } from './plan.js';
import { checkStreamQuotas } from './quota.js';
import { validateSecurityDocuments } from './validate.js';

export { KeyStore } from './keys.js';
export { ROLES, CONTROLLER_API, roleNames, withRole } from './roles.js';
export { validateSecurityDocuments } from './validate.js';
export { checkStreamQuotas } from './quota.js';
export { formatSecurityPlan, formatPushReport, formatIssueResult } from './render.js';
export type { SecurityPlan, SecurityChange, ClaimChange, SecurityAction } from './plan.js';
export type { IssueResult, IssueOptions } from './issue.js';
export type { SecurityModel, Declared } from './model.js';
export type { ClaimsUpdate, ClaimsReply } from '../nats/resolver.js';

/** The security model of the documents; every input error at once (JkErrors). Streams are checked against their account's JetStream limits. */
export function securityModel(docs: readonly ManifestDocument[]): SecurityModel {
  const v = validateSecurityDocuments(docs);
  if (!v.model) {
    throw v.errors.length ? new JkErrors(v.errors) : new JkError('JK1010', { message: 'no jetstream.jetkeeper.io resources found', fix: 'pass files holding an Operator, NatsAccounts and NatsUsers (apiVersion: jetstream.jetkeeper.io/v1alpha1)' });
  }
  const streams = validateDocuments(docs.filter((d) => String(d.data.apiVersion ?? '').startsWith('jetstream.nats.io/')), { references: 'warning' });
  const quota = checkStreamQuotas(v.model.accounts, streams.resources);
  if (quota.length) throw new JkErrors(quota);
  return v.model;
}

export function planAccounts(docs: readonly ManifestDocument[], keysDir: string): SecurityPlan {
  return planSecurity(prepare(securityModel(docs), new KeyStore(keysDir), false));
}

export function applyAccounts(docs: readonly ManifestDocument[], keysDir: string, opts: IssueOptions = {}): Promise<IssueResult> {
  return issueSecurity(securityModel(docs), new KeyStore(keysDir), opts);
}

export interface PushReport {
  /** servers that answered the ping of the system account */
  servers: string[];
  updates: ClaimsUpdate[];
  /** every server accepted every JWT */
  ok: boolean;
}

/** Pushes the issued account JWTs (all, or those named) to the resolver of every server. */
export async function pushAccounts(keysDir: string, settings: ConnectionSettings, accounts: Record<string, string>, waitMs = 2000): Promise<PushReport> {
  const jwts = Object.entries(accounts).map(([account, file]) => {
    try {
      return { account, jwt: readFileSync(file, 'utf8').trim() };
    } catch {
      throw new JkError('JK8008', { message: `NatsAccount/${account} has no issued JWT in ${keysDir} (${file})`, fix: 'run `jetkeeper accounts apply` first' });
    }
  });
  const r = await pushAccountJwts(settings, jwts, waitMs);
  const ok = r.servers.length > 0 && r.updates.every((u) => u.replies.length >= r.servers.length && u.replies.every((x) => x.accepted));
  return { ...r, ok };
}

/** The account JWT files of the key store, by metadata.name, as the model names them. */
export function accountJwtFiles(docs: readonly ManifestDocument[], keysDir: string): Record<string, string> {
  const m = securityModel(docs);
  const store = new KeyStore(keysDir);
  return Object.fromEntries(m.accounts.map((a) => [a.name, store.jwtFile(`accounts/${a.name}`)]));
}

/** The creds file of the system user and the nats context, from the key store. */
export function systemCreds(docs: readonly ManifestDocument[], keysDir: string): string {
  const m = securityModel(docs);
  return new KeyStore(keysDir).credsFile(m.operator.spec.systemAccount, m.operator.spec.systemUser);
}
export { lintAccounts, wildcardPermissions, sharedUsers, unapprovedExports, usersWithoutExpiry, streamsIntoOtherPrefixes, type AccountFinding, type ExpiryPolicy } from './lint.js';
export { securityJsonSchema, securityKindNames } from './schema.js';
