/**
 * JKL012: a file stream with neither an age nor a size limit grows until the disk (or the
 * account's JetStream limit) is full. An absent maxAge is NACK's one year, not unlimited.
 */
import type { Rule } from '../types.js';
import { at, nanos, spec } from './util.js';

export const streamUnbounded: Rule = {
  id: 'JKL012',
  name: 'stream-unbounded',
  severity: 'warning',
  title: 'a file stream with unlimited maxAge and maxBytes grows until the disk is full',
  fix: 'set maxBytes (a size the volume can hold) or maxAge (how long the data is needed)',
  fields: ['stream.maxAge', 'stream.maxBytes'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.storage === 'file' && s.spec.maxAge !== '' && nanos(s.spec.maxAge) === 0 && s.spec.maxBytes <= 0)
    .map((s) => at(s, spec('maxAge'), `stream ${s.spec.name} keeps messages forever (maxAge: ${s.spec.maxAge}) with no size limit (maxBytes: ${s.spec.maxBytes})`)),
};
