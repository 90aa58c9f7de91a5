/**
 * Policy rules for accounts and users, as pure functions over the declared model. Each returns
 * findings with the resource, field, position and the fix; the lint engine decides severity and
 * output (text, JSON, SARIF).
 *
 *   JKL018 (wildcard permission)   a user that may publish or subscribe to `>` (or to everything: no allow list)
 *   JKL021 (shared user)           one user used by several services, or a user that names no service
 *   JKL022 (export unapproved)     an export any account may import (no approvedAccounts)
 *   JKL023 (user without expiry)   a user without expiry (or with a longer one) where the policy demands it
 *   JKL024 (stream other prefix)   a stream whose subjects reach into another team's subject prefix
 */
import type { SourcePosition } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import { parseDuration } from '../resources/duration.js';
import type { NatsUserSpec } from '../resources/index.js';
import { subjectsCollide } from '../resources/subjects.js';
import type { Declared, SecurityModel } from './model.js';
import { withRole } from './roles.js';

export interface AccountFinding {
  rule: string;
  resource: string;
  field: string;
  at?: SourcePosition;
  message: string;
  fix: string;
}

function finding(rule: string, d: Declared<unknown>, path: (string | number)[], message: string, fix: string): AccountFinding {
  return { rule, resource: d.ref, field: ['spec', ...path].join('.'), at: d.at?.(path), message, fix };
}

/** Users that may publish or subscribe to `>`, or to everything (no allow list: the server then allows every subject). */
export function wildcardPermissions(m: SecurityModel): AccountFinding[] {
  const out: AccountFinding[] = [];
  const sys = m.operator.spec.systemAccount;
  for (const u of m.users) {
    if (u.spec.account === sys) continue;
    const p = withRole(u.spec.role, u.spec.permissions);
    for (const [dir, word] of [['publish', 'publish'], ['subscribe', 'subscribe']] as const) {
      const allow = p[dir]?.allow;
      if (!allow && p[dir]?.deny?.includes('>')) continue;
      if (!allow) {
        out.push(finding('JKL018', u, ['permissions', dir], `the user may ${word} to every subject (no ${dir}.allow list)`, `list the subjects the service needs in spec.permissions.${dir}.allow, or name a role`));
      } else if (allow.includes('>')) {
        out.push(finding('JKL018', u, ['permissions', dir, 'allow', allow.indexOf('>')], `the user may ${word} to ">" (every subject)`, 'replace ">" by the subjects of the service (e.g. orders.created)'));
      }
    }
  }
  return out;
}

/** Users that name no service, or that several services use (`usage`: which service runs with which user's creds). */
export function sharedUsers(m: SecurityModel, usage: readonly { service: string; user: string }[] = []): AccountFinding[] {
  const out: AccountFinding[] = [];
  for (const u of m.users) {
    if (u.spec.account === m.operator.spec.systemAccount) continue;
    const services = new Set([...(u.spec.service ? [u.spec.service] : []), ...usage.filter((x) => x.user === u.name).map((x) => x.service)]);
    if (services.size > 1) {
      out.push(finding('JKL021', u, ['service'], `the user is shared by ${services.size} services (${[...services].sort().join(', ')})`, 'issue one NatsUser per service, each with its own creds'));
    } else if (services.size === 0) {
      out.push(finding('JKL021', u, ['service'], 'the user names no service: nothing keeps it from being shared', 'set spec.service to the one service that uses it'));
    }
  }
  return out;
}

/** Exports without approvedAccounts: any account of the operator may import them. */
export function unapprovedExports(m: SecurityModel): AccountFinding[] {
  return m.accounts.flatMap((a) => (a.spec.exports ?? []).flatMap((e, i) => e.approvedAccounts ? [] : [
    finding('JKL022', a, ['exports', i], `the ${e.type} export "${e.subject}" is public: every account may import it`, 'list the accounts that may import it in approvedAccounts (they then get an activation token)'),
  ]));
}

export interface ExpiryPolicy {
  /** the longest validity allowed (Go duration, e.g. 2160h); absent: any expiry will do */
  maxExpiry?: string;
  /** roles exempt from the policy (e.g. controller, whose creds are rotated by their own process) */
  exemptRoles?: readonly string[];
}

/** Users without an expiry (or with a longer one than the policy allows). */
export function usersWithoutExpiry(m: SecurityModel, policy: ExpiryPolicy = {}): AccountFinding[] {
  const max = policy.maxExpiry ? nsOf(policy.maxExpiry) : undefined;
  return m.users.flatMap((u) => {
    if (u.spec.account === m.operator.spec.systemAccount || (u.spec.role && policy.exemptRoles?.includes(u.spec.role))) return [];
    const validity = validityNs(u.spec);
    if (validity === undefined) return [finding('JKL023', u, ['expiry'], 'the user never expires', `set spec.expiry (e.g. ${policy.maxExpiry ?? '2160h'}) and re-issue its creds before then`)];
    if (max !== undefined && validity > max) return [finding('JKL023', u, [u.spec.expiry ? 'expiry' : 'expiresAt'], `the user is valid for longer than the policy's ${policy.maxExpiry}`, `shorten spec.expiry to at most ${policy.maxExpiry}`)];
    return [];
  });
}

function nsOf(d: string): number | undefined {
  const r = parseDuration(d);
  return 'ns' in r ? r.ns : undefined;
}

function validityNs(u: NatsUserSpec, now = Date.now()): number | undefined {
  if (u.expiresAt) return (Date.parse(u.expiresAt) - now) * 1e6;
  return u.expiry ? nsOf(u.expiry) : undefined;
}

/**
 * Streams whose subjects reach into another team's prefix. `prefixes` names each account's
 * subject prefixes (e.g. { orders: ['orders.>'], payments: ['payments.>'] }); a stream belongs to
 * the account of its `spec.account`.
 */
export function streamsIntoOtherPrefixes(streams: readonly Resource[], prefixes: Readonly<Record<string, readonly string[]>>): AccountFinding[] {
  const out: AccountFinding[] = [];
  for (const r of streams) {
    if (r.kind !== 'Stream') continue;
    const s = r.spec as { account?: string; subjects?: string[] };
    (s.subjects ?? []).forEach((subject, i) => {
      for (const [team, list] of Object.entries(prefixes)) {
        if (team === s.account) continue;
        const hit = list.find((p) => subjectsCollide(subject, p));
        if (hit) {
          out.push({
            rule: 'JKL024', resource: r.key, field: `spec.subjects.${i}`, at: r.doc?.positionOf(['spec', 'subjects', i]),
            message: `"${subject}" reaches into ${team}'s prefix ${hit}${s.account ? ` (the stream belongs to ${s.account})` : ''}`, fix: `narrow the subject to the stream's own prefix, or import ${team}'s subjects through an export`,
          });
        }
      }
    });
  }
  return out;
}

/** Every rule with its defaults. */
export function lintAccounts(m: SecurityModel, opts: { usage?: { service: string; user: string }[]; expiry?: ExpiryPolicy; streams?: readonly Resource[]; prefixes?: Record<string, string[]> } = {}): AccountFinding[] {
  return [
    ...wildcardPermissions(m), ...sharedUsers(m, opts.usage), ...unapprovedExports(m), ...usersWithoutExpiry(m, opts.expiry),
    ...(opts.streams && opts.prefixes ? streamsIntoOtherPrefixes(opts.streams, opts.prefixes) : []),
  ];
}
