/**
 * JKL008: a consumer filter wider than its stream's subjects. A filter that matches none of them
 * is a validate error (JK1013); one that matches more than the stream holds is accepted by the
 * server and usually a typo or a stale filter.
 */
import { consumerFilters } from '../../resources/consumer/rules.js';
import { isValidSubject, subjectIsSubsetMatch, subjectsCollide } from '../../resources/subjects.js';
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const filterNotCovered: Rule = {
  id: 'JKL008',
  name: 'filter-not-covered',
  severity: 'warning',
  title: "a consumer filter is not covered by its stream's subjects: part of what it asks for never arrives",
  fix: "filter on a subject the stream's subjects cover (or widen the stream's subjects)",
  fields: ['consumer.filterSubject', 'consumer.filterSubjects', 'stream.subjects'],
  check: (ctx) => ctx.consumers().flatMap((c) => {
    const subjects = ctx.streamOf(c)?.spec.subjects ?? [];
    if (!subjects.length || !subjects.every(isValidSubject)) return [];
    return consumerFilters(c.spec).flatMap((f, i) => {
      if (!isValidSubject(f) || subjects.some((s) => subjectIsSubsetMatch(f, s)) || !subjects.some((s) => subjectsCollide(f, s))) return [];
      const path = c.spec.filterSubject ? spec('filterSubject') : spec('filterSubjects', i);
      return [at(c, path, `filter ${JSON.stringify(f)} is wider than the subjects of stream ${c.spec.streamName} (${subjects.join(', ')})`)];
    });
  }),
};
