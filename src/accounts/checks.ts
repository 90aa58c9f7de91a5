/** References between the security resources: every name points at something declared, and imports match exports. */
import { JkError } from '../errors.js';
import { subjectIsSubsetMatch } from '../resources/subjects.js';
import type { ImportSpec, NatsAccountSpec } from '../resources/index.js';
import type { Declared, SecurityModel } from './model.js';
import { ROLES, roleNames } from './roles.js';

export function checkModel(m: SecurityModel): JkError[] {
  const errors: JkError[] = [];
  const accounts = new Map(m.accounts.map((a) => [a.name, a]));
  const names = () => [...accounts.keys()].join(', ') || 'none';
  const unknown = (d: Declared<unknown>, path: (string | number)[], value: string, what: string) =>
    errors.push(new JkError('JK8002', { message: `${what} "${value}" is not declared (NatsAccounts: ${names()})`, resource: d.ref, field: ['spec', ...path].join('.'), at: d.at?.(path), fix: `declare a NatsAccount with metadata.name ${value}, or name one of the declared ones` }));
  const sys = accounts.get(m.operator.spec.systemAccount);
  if (!sys) unknown(m.operator, ['systemAccount'], m.operator.spec.systemAccount, 'system account');
  else if (sys.spec.jetstream || sys.spec.jetstreamTiers) {
    errors.push(new JkError('JK8006', { message: 'the system account cannot have JetStream', resource: sys.ref, field: 'spec.jetstream', at: sys.at?.(['jetstream']), fix: 'remove spec.jetstream from the system account; give JetStream to the tenant accounts' }));
  }
  for (const a of m.accounts) {
    if (a.spec.operator && a.spec.operator !== m.operator.name) {
      errors.push(new JkError('JK8002', { message: `operator "${a.spec.operator}" is not declared (Operator: ${m.operator.name})`, resource: a.ref, field: 'spec.operator', at: a.at?.(['operator']), fix: `name ${m.operator.name} or leave spec.operator out` }));
    }
    if (a.spec.jetstream && a.spec.jetstreamTiers) {
      errors.push(new JkError('JK1009', { message: 'spec.jetstream and spec.jetstreamTiers exclude each other', resource: a.ref, field: 'spec.jetstreamTiers', at: a.at?.(['jetstreamTiers']), fix: 'give the limits for the whole account (jetstream) or per replica tier (jetstreamTiers), not both' }));
    }
    (a.spec.exports ?? []).forEach((e, i) => (e.approvedAccounts ?? []).forEach((x, j) => accounts.has(x) || unknown(a, ['exports', i, 'approvedAccounts', j], x, 'approved account')));
    (a.spec.imports ?? []).forEach((imp, i) => {
      const from = accounts.get(imp.account);
      if (!from) unknown(a, ['imports', i, 'account'], imp.account, 'account');
      else errors.push(...importProblems(a, imp, i, from));
    });
  }
  for (const u of m.users) errors.push(...userProblems(u, accounts.has(u.spec.account), names));
  return errors;
}

function importProblems(a: Declared<NatsAccountSpec>, imp: ImportSpec, i: number, from: Declared<NatsAccountSpec>): JkError[] {
  const at = a.at?.(['imports', i, 'subject']);
  const field = `spec.imports.${i}.subject`;
  const exp = (from.spec.exports ?? []).find((e) => e.type === imp.type && subjectIsSubsetMatch(imp.subject, e.subject));
  if (!exp) {
    return [new JkError('JK8003', {
      message: `NatsAccount/${from.name} exports no ${imp.type} that covers "${imp.subject}"`, resource: a.ref, field, at,
      fix: `add an export { subject: ${imp.subject}, type: ${imp.type} } to NatsAccount/${from.name}, or import a subject it exports`,
    })];
  }
  if (exp.approvedAccounts && !exp.approvedAccounts.includes(a.name)) {
    return [new JkError('JK8004', {
      message: `the export "${exp.subject}" of NatsAccount/${from.name} is not approved for ${a.name} (approved: ${exp.approvedAccounts.join(', ') || 'none'})`, resource: a.ref, field, at,
      fix: `add ${a.name} to approvedAccounts of that export in NatsAccount/${from.name}`,
    })];
  }
  return [];
}

function userProblems(u: Declared<import('../resources/index.js').NatsUserSpec>, accountKnown: boolean, names: () => string): JkError[] {
  const out: JkError[] = [];
  if (!accountKnown) out.push(new JkError('JK8002', { message: `account "${u.spec.account}" is not declared (NatsAccounts: ${names()})`, resource: u.ref, field: 'spec.account', at: u.at?.(['account']), fix: 'name a declared NatsAccount in spec.account' }));
  if (u.spec.role && !ROLES[u.spec.role]) out.push(new JkError('JK8005', { message: `unknown role "${u.spec.role}"`, resource: u.ref, field: 'spec.role', at: u.at?.(['role']), fix: `use one of ${roleNames().join(', ')}, or leave role out and give permissions` }));
  if (u.spec.expiry && u.spec.expiresAt) out.push(new JkError('JK1009', { message: 'spec.expiry and spec.expiresAt exclude each other', resource: u.ref, field: 'spec.expiresAt', at: u.at?.(['expiresAt']), fix: 'give a validity (expiry: 720h) or an end (expiresAt), not both' }));
  return out;
}
