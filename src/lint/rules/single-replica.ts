/** JKL001: a stream with one replica (the seed: "Setting stream replicas to one for business events"). */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const singleReplica: Rule = {
  id: 'JKL001',
  name: 'stream-single-replica',
  severity: 'warning',
  title: 'a stream keeps one copy only: a pod or node loss can remove the only durable copy',
  fix: 'set replicas: 3 (and spread the servers across failure domains), or mark the stream non-critical with the annotation jetkeeper.io/critical: "false"',
  fields: ['stream.replicas'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.replicas === 1 && !ctx.nonCritical(s))
    .map((s) => at(s, spec('replicas'), ctx.written(s, 'replicas')
      ? `stream ${s.spec.name} has replicas: 1, a single copy of every message`
      : `stream ${s.spec.name} sets no replicas, so it has one (the default), a single copy of every message`)),
};
