/**
 * JKL010: ackWait shorter than the processing time the manifest declares (annotation
 * jetkeeper.io/processing-time): every slow message is redelivered while it is still being worked on.
 */
import type { Resource } from '../../manifests/validate.js';
import type { ConsumerSpec } from '../../resources/consumer/schema.js';
import { ANNOTATIONS, type LintContext } from '../context.js';
import type { RawFinding, Rule } from '../types.js';
import { at, nanos, spec } from './util.js';

const SERVER_ACK_WAIT = '30s';

function check(ctx: LintContext, c: Resource<ConsumerSpec>): RawFinding[] {
  const declared = ctx.annotations(c)[ANNOTATIONS.processingTime];
  if (declared === undefined || c.spec.ackPolicy === 'none') return [];
  const where = ['metadata', 'annotations', ANNOTATIONS.processingTime];
  const need = nanos(declared);
  if (need === undefined) {
    return [at(c, where, `annotation ${ANNOTATIONS.processingTime} ${JSON.stringify(declared)} is not a Go duration`, 'write it as a Go duration, e.g. 45s or 2m')];
  }
  const [wait, from] = c.spec.backoff?.length ? [c.spec.backoff[0], 'backoff[0]'] : c.spec.ackWait ? [c.spec.ackWait, 'ackWait'] : [SERVER_ACK_WAIT, "the server's default ackWait"];
  const waitNs = nanos(wait);
  if (waitNs === undefined || waitNs >= need) return [];
  const path = from === 'backoff[0]' ? spec('backoff', 0) : spec('ackWait');
  return [at(c, path, `consumer ${c.spec.durableName} waits ${wait} (${from}) for an ack, but declares a processing time of ${declared}: slow messages are redelivered while still in work`, `set ackWait (and the first backoff step) to more than ${declared}`)];
}

export const ackWaitShort: Rule = {
  id: 'JKL010',
  name: 'consumer-ack-wait-short',
  severity: 'error',
  title: 'ackWait is shorter than the declared processing time (annotation jetkeeper.io/processing-time)',
  fix: 'set ackWait to more than the declared processing time',
  fields: ['consumer.ackWait', 'consumer.backoff'],
  check: (ctx) => ctx.consumers().flatMap((c) => check(ctx, c)),
};
