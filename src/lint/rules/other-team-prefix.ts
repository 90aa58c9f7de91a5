/**
 * JKL024: a stream whose subjects reach into another team's subject prefix. The teams and their
 * prefixes come from the lint configuration (`teams: { orders: [orders.>], payments: [payments.>] }`);
 * a stream's team is its `jetkeeper.io/team` label or annotation, else its `spec.account`, else
 * its namespace, the first that names a configured team. Streams of no configured team are not
 * checked (nothing says what is theirs).
 */
import { streamsIntoOtherPrefixes } from '../../accounts/lint.js';
import type { Resource } from '../../manifests/validate.js';
import type { LintContext } from '../context.js';
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

const TEAM_KEY = 'jetkeeper.io/team';

function teamOf(ctx: LintContext, r: Resource, teams: Readonly<Record<string, readonly string[]>>): string | undefined {
  const md = r.doc?.data.metadata as { labels?: Record<string, unknown>; namespace?: unknown } | undefined;
  const candidates = [md?.labels?.[TEAM_KEY], ctx.annotations(r)[TEAM_KEY], (r.spec as { account?: unknown }).account, r.namespace ?? md?.namespace];
  return candidates.find((c): c is string => typeof c === 'string' && c in teams);
}

export const otherTeamPrefix: Rule = {
  id: 'JKL024',
  name: 'stream-other-team-prefix',
  severity: 'error',
  title: "a stream whose subjects reach into another team's subject prefix (teams from the lint configuration)",
  fix: "narrow the subjects to the team's own prefix, or import the other team's subjects through an export",
  fields: ['stream.subjects'],
  check: (ctx) => {
    const teams = ctx.config.teams;
    if (!teams || !Object.keys(teams).length) return [];
    const owned = ctx.streams().flatMap((s) => {
      const team = teamOf(ctx, s, teams);
      return team ? [{ s, team }] : [];
    });
    const findings = streamsIntoOtherPrefixes(owned.map(({ s, team }) => ({ ...s, spec: { ...s.spec, account: team } })), teams);
    return findings.flatMap((f) => {
      const hit = owned.find(({ s }) => s.key === f.resource);
      return hit ? [at(hit.s, spec('subjects', Number(f.field.split('.').pop())), f.message.replace('(the stream belongs to', '(the stream is team'))] : [];
    });
  },
};
