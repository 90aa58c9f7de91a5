/** `jetkeeper status -f PATH`: each declared resource Ready/NotReady with a reason. */
import type { Command } from 'commander';
import { plan } from '../plan/plan.js';
import { resourceStatuses, type LiveHealth } from '../plan/status.js';
import { action, emit, globalOptions, loadResources, table, withConnectionGroups } from './common.js';
import type { JetStreamAdmin } from '../nats/admin.js';
import type { Resource } from '../manifests/validate.js';

export function statusCommand(program: Command): void {
  program
    .command('status')
    .description('report each declared resource as Ready or NotReady, with a reason and live numbers')
    .requiredOption('-f, --filename <path...>', 'manifest file, directory (recursive) or - for stdin')
    .action(action(async (opts: { filename: string[] }, cmd: Command) => {
      const o = globalOptions(cmd);
      const resources = await loadResources(opts.filename);
      const statuses = (await withConnectionGroups(o, resources, (groups) => Promise.all(groups.map((g) => statusesOf(g.admin, g.resources, o.owner))))).flat();
      emit(o, { resources: statuses, ready: statuses.every((s) => s.ready) }, () =>
        table(['RESOURCE', 'READY', 'REASON', 'MESSAGE'], statuses.map((s) => [s.key, s.ready ? 'True' : 'False', s.reason, s.message])));
      return statuses.every((s) => s.ready) ? 0 : 1;
    }));
}

async function statusesOf(admin: JetStreamAdmin, resources: Resource[], owner: string) {
  const live = await admin.readLive();
  const health: LiveHealth = {
    streams: new Map(live.streams.map((s) => [String(s.config.name), { messages: s.state.messages, bytes: s.state.bytes, leader: s.cluster?.leader, replicas: s.cluster?.replicas, numReplicas: Number(s.config.num_replicas) }])),
    consumers: new Map(live.consumers.map((c) => [`${c.stream}/${c.name}`, { num_pending: c.num_pending, num_ack_pending: c.num_ack_pending, num_redelivered: c.num_redelivered }])),
  };
  return resourceStatuses(plan(resources, live, { owner, prune: false }), health);
}
