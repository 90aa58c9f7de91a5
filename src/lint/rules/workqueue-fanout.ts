/**
 * JKL006: a work-queue stream read by more than one consumer (the seed's analytics mistake):
 * a message is removed once one consumer acknowledges it, so no reader sees every message.
 */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const workqueueFanout: Rule = {
  id: 'JKL006',
  name: 'workqueue-fan-out',
  severity: 'warning',
  title: 'work-queue retention with more than one consumer: each message reaches only one of them, then disappears',
  fix: 'for independent readers (analytics, audit) use retention: limits with one durable consumer each; keep workqueue for one processing path per subject filter',
  fields: ['stream.retention', 'consumer.filterSubject'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.retention === 'workqueue')
    .flatMap((s) => {
      const readers = ctx.consumersOf(s);
      if (readers.length < 2) return [];
      const names = readers.map((c) => c.spec.durableName).join(', ');
      return [at(s, spec('retention'), `stream ${s.spec.name} is a work queue read by ${readers.length} consumers (${names}): a message acknowledged by one is gone for the others`)];
    }),
};
