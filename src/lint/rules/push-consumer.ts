/** JKL016: push consumers in new designs; the seed recommends pull consumers (scaling, flow control, no slow-consumer drops). */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const pushConsumer: Rule = {
  id: 'JKL016',
  name: 'push-consumer',
  severity: 'info',
  title: 'a push consumer: new designs should use pull consumers',
  fix: 'remove deliverSubject (and deliverGroup) and fetch with a pull consumer; workers scale by pulling',
  fields: ['consumer.deliverSubject'],
  check: (ctx) => ctx.consumers()
    .filter((c) => Boolean(c.spec.deliverSubject))
    .map((c) => at(c, spec('deliverSubject'), `consumer ${c.spec.durableName} pushes to ${JSON.stringify(c.spec.deliverSubject)}`)),
};
