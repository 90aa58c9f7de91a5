/** Text forms of the security plan, the issue result and the push report. */
import type { IssueResult } from './issue.js';
import type { SecurityPlan } from './plan.js';
import type { ClaimsUpdate } from '../nats/resolver.js';

const SIGN = { create: '+', update: '~', noop: ' ', revoke: '!' } as const;

const show = (v: unknown) => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

export function formatSecurityPlan(plan: SecurityPlan): string {
  const lines: string[] = [];
  for (const c of plan.changes) {
    if (c.action === 'noop') continue;
    lines.push(`${SIGN[c.action]} ${c.action} ${c.resource}${c.publicKey ? ` (${c.publicKey})` : ''}`);
    for (const ch of c.changes) {
      lines.push(c.action === 'create' ? `    ${ch.field}: ${show(ch.to)}` : `    ${ch.field}: ${show(ch.from)} → ${show(ch.to)}`);
    }
    if (c.action === 'revoke') lines.push('    every JWT issued for this user so far is revoked (the account JWT lists it; push it to disconnect the user)');
  }
  const s = plan.summary;
  lines.push(lines.length ? '' : 'No changes: every JWT is as declared.');
  lines.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.revoke} to revoke, ${s.noop} unchanged.`);
  return lines.join('\n');
}

export function formatIssueResult(r: IssueResult): string {
  return [formatSecurityPlan(r.plan), '', `Wrote ${r.written.length} file(s) (0600).`, `Operator JWT: ${r.operatorJwt}`, `nats context of the system user: ${r.context}`,
    ...Object.entries(r.creds).map(([u, f]) => `  creds ${u}: ${f}`)].join('\n');
}

export function formatPushReport(r: { servers: string[]; updates: ClaimsUpdate[]; ok: boolean }): string {
  const lines = [`${r.servers.length} server(s) answered: ${r.servers.join(', ') || 'none'}`];
  for (const u of r.updates) {
    const accepted = u.replies.filter((x) => x.accepted).map((x) => x.server);
    lines.push(`${u.account}: accepted by ${accepted.length}/${r.servers.length}${accepted.length ? ` (${accepted.join(', ')})` : ''}`);
    for (const x of u.replies.filter((y) => !y.accepted)) lines.push(`    ${x.server} refused: ${x.message}`);
    const missing = r.servers.filter((sv) => !u.replies.some((x) => x.server === sv));
    if (missing.length) lines.push(`    no reply from ${missing.join(', ')}`);
  }
  lines.push(r.ok ? 'Every server accepted every JWT.' : 'Not every server accepted every JWT.');
  return lines.join('\n');
}
