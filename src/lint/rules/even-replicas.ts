/** JKL015: 2 or 4 replicas: a majority of 2 is 2, of 4 is 3, so they survive no more failures than 1 and 3. */
import type { Resource } from '../../manifests/validate.js';
import type { Rule } from '../types.js';
import { at, dataKinds, label, spec } from './util.js';

const replicasOf = (r: Resource): number => (r.spec as { replicas?: number }).replicas ?? 0;

export const evenReplicas: Rule = {
  id: 'JKL015',
  name: 'even-replicas',
  severity: 'warning',
  title: 'an even replica count costs a copy and tolerates no more failures than the odd count below it',
  fix: 'use an odd count: 3 (survives one server loss) or 5 (two)',
  fields: ['stream.replicas', 'consumer.replicas', 'keyvalue.replicas', 'objectstore.replicas'],
  check: (ctx) => ctx.resources
    .filter((r) => (dataKinds(r) || r.kind === 'Consumer') && replicasOf(r) > 0 && replicasOf(r) % 2 === 0)
    .map((r) => {
      const n = replicasOf(r);
      return at(r, spec('replicas'), `${label(r)} has replicas: ${n}; its quorum of ${n / 2 + 1} survives ${n / 2 - 1} lost server(s), no more than ${n - 1} replica${n - 1 === 1 ? '' : 's'} would`);
    }),
};
