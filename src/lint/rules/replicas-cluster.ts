/** JKL014: more replicas than servers in the cluster (clusterSize in the lint configuration): the server cannot place them. */
import type { Resource } from '../../manifests/validate.js';
import type { Rule } from '../types.js';
import { at, dataKinds, label, spec } from './util.js';

const replicasOf = (r: Resource): number | undefined => (r.spec as { replicas?: number }).replicas;

export const replicasExceedCluster: Rule = {
  id: 'JKL014',
  name: 'replicas-exceed-cluster',
  severity: 'error',
  title: 'more replicas than servers in the cluster: the server refuses to place them',
  fix: 'set replicas to at most the cluster size (clusterSize in .jetkeeper-lint.yaml)',
  fields: ['stream.replicas', 'consumer.replicas', 'keyvalue.replicas', 'objectstore.replicas'],
  check: (ctx) => {
    const size = ctx.config.clusterSize;
    if (size === undefined) return [];
    return ctx.resources
      .filter((r) => (dataKinds(r) || r.kind === 'Consumer') && (replicasOf(r) ?? 0) > size)
      .map((r) => at(r, spec('replicas'), `${label(r)} asks for ${replicasOf(r)} replicas but the cluster has ${size} servers`, `set replicas to at most ${size}`));
  },
};
