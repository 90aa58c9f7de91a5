/**
 * The accounts rules (src/accounts/lint.ts, pure functions over the security model) as lint
 * rules: JKL018 user-permissions-everything, JKL021 user-shared, JKL022 export-public,
 * JKL023 user-without-expiry. They run when the input declares a valid Operator, NatsAccounts and
 * NatsUsers (apiVersion jetstream.jetkeeper.io/v1alpha1).
 */
import { sharedUsers, unapprovedExports, usersWithoutExpiry, wildcardPermissions, type AccountFinding } from '../../accounts/lint.js';
import type { SecurityModel } from '../../accounts/model.js';
import type { FieldPath } from '../../manifests/load.js';
import type { LintContext } from '../context.js';
import type { RawFinding, Rule } from '../types.js';

const pathOf = (field: string): FieldPath => field.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));

function raw(ctx: LintContext, f: AccountFinding): RawFinding[] {
  const resource = [...ctx.securityResources, ...ctx.resources].find((r) => r.key === f.resource || `${r.kind}/${r.name}` === f.resource);
  return resource ? [{ resource, path: pathOf(f.field), message: f.message, fix: f.fix }] : [];
}

/** A lint check from an accounts rule: nothing without a security model. */
export const fromAccounts = (fn: (m: SecurityModel) => AccountFinding[]) => (ctx: LintContext): RawFinding[] =>
  ctx.security ? fn(ctx.security).flatMap((f) => raw(ctx, f)) : [];

export const userShared: Rule = {
  id: 'JKL021',
  name: 'user-shared',
  severity: 'warning',
  title: 'a user that names no service, or that several services use: one leaked creds file exposes them all',
  fix: 'issue one NatsUser per service (spec.service), each with its own creds',
  fields: ['natsuser.service'],
  check: fromAccounts((m) => sharedUsers(m)),
};

export const exportPublic: Rule = {
  id: 'JKL022',
  name: 'export-public',
  severity: 'warning',
  title: 'an export without approvedAccounts: every account of the operator may import it',
  fix: 'list the accounts that may import it in approvedAccounts (they then get an activation token)',
  fields: ['natsaccount.exports'],
  check: fromAccounts(unapprovedExports),
};

export const userWithoutExpiry: Rule = {
  id: 'JKL023',
  name: 'user-without-expiry',
  severity: 'warning',
  title: 'a user without expiry: its creds stay valid forever once leaked',
  fix: 'set spec.expiry (e.g. 2160h) and re-issue the creds before then',
  fields: ['natsuser.expiry'],
  check: fromAccounts((m) => usersWithoutExpiry(m)),
};

/** JKL018's check: users allowed `>` or with no allow list at all (the role's permissions included). */
export const wildcardCheck = fromAccounts(wildcardPermissions);
