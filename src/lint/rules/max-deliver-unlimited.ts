/**
 * JKL011: an acknowledging consumer with unlimited maxDeliver: a message that always fails (a
 * poison message) is redelivered forever, and the server's MAX_DELIVERIES advisory, which a
 * dead-letter handler listens to, never fires.
 */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const maxDeliverUnlimited: Rule = {
  id: 'JKL011',
  name: 'consumer-max-deliver-unlimited',
  severity: 'warning',
  title: 'unlimited maxDeliver with acknowledgements: poison messages loop forever and no dead-letter advisory is ever sent',
  fix: 'set maxDeliver (e.g. 5) and handle $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer> (a dead-letter stream or service)',
  fields: ['consumer.maxDeliver', 'consumer.ackPolicy'],
  check: (ctx) => ctx.consumers()
    .filter((c) => (c.spec.ackPolicy === 'explicit' || c.spec.ackPolicy === 'all') && (c.spec.maxDeliver === undefined || c.spec.maxDeliver <= 0))
    .map((c) => at(c, spec('maxDeliver'), `consumer ${c.spec.durableName} redelivers without limit (maxDeliver ${c.spec.maxDeliver === undefined ? 'not set' : c.spec.maxDeliver})`)),
};
