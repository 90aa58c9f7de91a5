/**
 * JKL018: a user allowed to publish or subscribe on `>` (the seed: "Granting every service publish
 * and subscribe on >"). A hook for user resources: it checks any resource of kind NatsUser with
 * spec.permissions {publish|pub, subscribe|sub}.allow; the input has none until that kind exists.
 */
import type { Resource } from '../../manifests/validate.js';
import type { RawFinding, Rule } from '../types.js';
import { at, spec } from './util.js';

type Perms = Record<string, { allow?: unknown } | undefined>;

function wide(r: Resource): RawFinding[] {
  const perms = ((r.spec as { permissions?: Perms }).permissions ?? {}) as Perms;
  return ['publish', 'pub', 'subscribe', 'sub'].flatMap((dir) => {
    const allow = perms[dir]?.allow;
    if (!Array.isArray(allow)) return [];
    return allow.flatMap((s, i) => (s === '>' ? [at(r, spec('permissions', dir, 'allow', i), `user ${r.name} may ${dir.startsWith('pub') ? 'publish' : 'subscribe'} on ">", every subject of its account`)] : []));
  });
}

export const userWildcard: Rule = {
  id: 'JKL018',
  name: 'user-permissions-everything',
  severity: 'error',
  title: 'a user allowed to publish or subscribe on ">" can read or write the whole account',
  fix: 'grant each service role only its subjects (e.g. publish: [orders.created], subscribe: [_INBOX.>])',
  fields: ['user.permissions'],
  check: (ctx) => ctx.resources.filter((r) => (r.kind as string) === 'NatsUser').flatMap(wide),
};
