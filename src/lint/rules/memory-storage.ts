/** JKL002: a stream in memory, above all when the manifest does not say so (NACK's CRD default is memory). */
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const memoryStorage: Rule = {
  id: 'JKL002',
  name: 'stream-memory-storage',
  severity: 'warning',
  title: 'a stream in memory loses every message when its servers restart',
  fix: 'set storage: file, or mark the stream non-critical with the annotation jetkeeper.io/critical: "false"',
  fields: ['stream.storage'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.storage === 'memory' && !ctx.nonCritical(s))
    .map((s) => at(s, spec('storage'), ctx.written(s, 'storage')
      ? `stream ${s.spec.name} is kept in memory: a restart of its servers loses its messages`
      : `stream ${s.spec.name} sets no storage, and NACK's CRD default is memory: a restart of its servers loses its messages`)),
};
