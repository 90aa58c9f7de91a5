/** JKL007: interest retention without a consumer: the server keeps nothing while no consumer exists. */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const interestNoConsumer: Rule = {
  id: 'JKL007',
  name: 'interest-without-consumer',
  severity: 'warning',
  title: 'interest retention with no consumer declared: messages published before a consumer exists are dropped',
  fix: 'declare the consumers of the stream beside it, or use retention: limits',
  fields: ['stream.retention'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.retention === 'interest' && ctx.consumersOf(s).length === 0)
    .map((s) => at(s, spec('retention'), `stream ${s.spec.name} has interest retention but no consumer of it is declared`)),
};
