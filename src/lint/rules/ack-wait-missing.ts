/**
 * JKL009: an acknowledging consumer without ackWait. NACK's CRD defaults ackWait to 1ns
 * (nats-io/nack#136): under NACK every message is redelivered at once, over and over.
 * jetkeeper sends nothing and the server uses its 30s, but the manifest means two things.
 */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const ackWaitMissing: Rule = {
  id: 'JKL009',
  name: 'consumer-ack-wait-missing',
  severity: 'warning',
  title: "an acknowledging consumer without ackWait: NACK's CRD default is 1ns (nats-io/nack#136), a redelivery storm",
  fix: 'set ackWait to a bit more than the longest time a message takes to process (e.g. ackWait: 30s)',
  fields: ['consumer.ackWait', 'consumer.ackPolicy'],
  check: (ctx) => ctx.consumers()
    .filter((c) => (c.spec.ackPolicy === 'explicit' || c.spec.ackPolicy === 'all') && !c.spec.ackWait && !c.spec.backoff?.length)
    .map((c) => at(c, spec('ackWait'), `consumer ${c.spec.durableName} acknowledges (ackPolicy: ${c.spec.ackPolicy}) but sets no ackWait: NACK applies 1ns, jetkeeper the server's 30s`)),
};
