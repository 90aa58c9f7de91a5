/** JKL004: a subject whose first token is a wildcard (`*.>`, `*.created`) captures across every subject family. */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const broadWildcard: Rule = {
  id: 'JKL004',
  name: 'stream-broad-wildcard',
  severity: 'warning',
  title: 'a subject starting with a wildcard captures across every subject family',
  fix: 'start each subject with a literal token naming its family (orders.*, orders.>)',
  fields: ['stream.subjects'],
  check: (ctx) => ctx.streams().flatMap((s) => (s.spec.subjects ?? []).flatMap((subject, i) => (subject !== '>' && /^[*>](\.|$)/.test(subject)
    ? [at(s, spec('subjects', i), `stream ${s.spec.name} captures ${JSON.stringify(subject)}, whose first token is a wildcard`)]
    : []))),
};
