/** JKL003: a stream capturing `>` stores every message of the account (the seed's "Capturing broad subjects such as >"). */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const capturesAll: Rule = {
  id: 'JKL003',
  name: 'stream-captures-everything',
  severity: 'error',
  title: 'a stream capturing ">" persists all traffic of the account, sensitive or unrelated',
  fix: 'capture narrow subject families (orders.created, orders.>) and review stream subjects like API contracts',
  fields: ['stream.subjects'],
  check: (ctx) => ctx.streams().flatMap((s) => (s.spec.subjects ?? []).flatMap((subject, i) => (subject === '>'
    ? [at(s, spec('subjects', i), `stream ${s.spec.name} captures ">", every subject of the account`)]
    : []))),
};
