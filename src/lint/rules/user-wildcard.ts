/**
 * JKL018: a user allowed to publish or subscribe on `>`, or on everything (no allow list: the
 * server then allows every subject) (the seed: "Granting every service publish and subscribe on
 * >"). Checks the NatsUser resources of the security model, their role's permissions included;
 * the system account's users are exempt.
 */
import type { Rule } from '../types.js';
import { wildcardCheck } from './accounts.js';

export const userWildcard: Rule = {
  id: 'JKL018',
  name: 'user-permissions-everything',
  severity: 'error',
  title: 'a user allowed to publish or subscribe on ">" (or with no allow list) can read or write the whole account',
  fix: 'grant each service role only its subjects (e.g. publish: [orders.created], subscribe: [_INBOX.>])',
  fields: ['natsuser.permissions'],
  check: wildcardCheck,
};
