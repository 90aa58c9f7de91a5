/**
 * JKL020: a consumer that does not write ackPolicy gets NACK's CRD default none: every message
 * counts as processed the moment it is sent, so a crash loses it.
 */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const ackNoneImplicit: Rule = {
  id: 'JKL020',
  name: 'consumer-ack-policy-implicit',
  severity: 'warning',
  title: "a consumer without ackPolicy gets NACK's CRD default none: messages count as processed when sent",
  fix: 'write ackPolicy: explicit (or ackPolicy: none if losing messages on a crash is fine)',
  fields: ['consumer.ackPolicy'],
  check: (ctx) => ctx.consumers()
    .filter((c) => !ctx.written(c, 'ackPolicy'))
    .map((c) => at(c, spec('ackPolicy'), `consumer ${c.spec.durableName} sets no ackPolicy, so NACK's default none applies`)),
};
