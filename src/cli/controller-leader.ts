/** `jetkeeper controller --leader-elect`: the Lease election of the Kubernetes source's replicas, from the flags and the pod's environment. */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LeaderElector } from '../controller/leader.js';
import { JkError } from '../errors.js';
import { KubeClient } from '../kube/client.js';
import type { Logger } from '../log.js';
import { durationFlag } from './flags.js';

export interface LeaderFlags {
  source: string;
  kubeconfig?: string;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
}

/** The elector when --leader-elect is given (undefined otherwise). Losing the Lease ends the process at once: two replicas never both write. */
export function leaderElection(flags: LeaderFlags, log: Logger): LeaderElector | undefined {
  if (!flags.leaderElect) return undefined;
  if (flags.source !== 'kubernetes') throw new JkError('JK5056', { message: '--leader-elect needs --source kubernetes (the Lease lives in the Kubernetes API)', fix: 'drop --leader-elect, or use --source kubernetes' });
  const client = KubeClient.load({ kubeconfig: flags.kubeconfig });
  const identity = `${process.env.POD_NAME || hostname()}_${randomBytes(4).toString('hex')}`;
  return new LeaderElector({
    client,
    namespace: flags.leaderElectionNamespace || process.env.POD_NAMESPACE || client.defaultNamespace(),
    name: flags.leaderElectionId,
    identity,
    leaseMs: durationFlag('lease-duration', flags.leaseDuration, 1000),
    renewDeadlineMs: durationFlag('renew-deadline', flags.renewDeadline, 100),
    retryMs: durationFlag('retry-period', flags.retryPeriod, 100),
    log: (level, msg) => log[level]({ identity }, msg),
    onStoppedLeading: () => {
      log.error({ identity }, 'leadership lost: exiting so that only the new leader writes');
      process.exit(1);
    },
  });
}
