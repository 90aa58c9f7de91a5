/**
 * JKL013: discard: new refuses publishes once the stream is full. Without an alert on that,
 * producers fail while nobody looks; the manifest declares the alert with the annotation
 * jetkeeper.io/alerting (where it goes, e.g. the PrometheusRule's name), or with the stream
 * metadata the nats CLI's monitoring checks read (io.nats.monitor.enabled: "true").
 */
import type { Resource } from '../../manifests/validate.js';
import type { StreamSpec } from '../../resources/stream/schema.js';
import { ANNOTATIONS, type LintContext } from '../context.js';
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

const alerted = (ctx: LintContext, s: Resource<StreamSpec>) => Boolean(ctx.annotations(s)[ANNOTATIONS.alerting]) || s.spec.metadata?.['io.nats.monitor.enabled'] === 'true';

export const discardNewNoAlert: Rule = {
  id: 'JKL013',
  name: 'discard-new-without-alerting',
  severity: 'warning',
  title: 'discard: new refuses publishes when the stream is full, and no alert is declared',
  fix: 'alert on the stream filling up (e.g. a Prometheus rule on jetstream storage) and name it in the annotation jetkeeper.io/alerting, set metadata io.nats.monitor.enabled: "true" for the nats CLI checks, or use discard: old',
  fields: ['stream.discard'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.discard === 'new' && !alerted(ctx, s))
    .map((s) => at(s, spec('discard'), `stream ${s.spec.name} refuses publishes once full (discard: new) and declares no alert (annotation ${ANNOTATIONS.alerting})`)),
};
