/** Every lint rule, in id order. */
import { ignoreWithoutReason } from '../ignore.js';
import type { Rule } from '../types.js';
import { ackNoneImplicit } from './ack-none-implicit.js';
import { ackWaitMissing } from './ack-wait-missing.js';
import { ackWaitShort } from './ack-wait-short.js';
import { exportPublic, userShared, userWithoutExpiry } from './accounts.js';
import { broadWildcard } from './broad-wildcard.js';
import { capturesAll } from './captures-all.js';
import { discardNewNoAlert } from './discard-new.js';
import { doubleStore } from './double-store.js';
import { evenReplicas } from './even-replicas.js';
import { filterNotCovered } from './filter-not-covered.js';
import { interestNoConsumer } from './interest-no-consumer.js';
import { maxDeliverUnlimited } from './max-deliver-unlimited.js';
import { memoryBackup } from './memory-backup.js';
import { memoryStorage } from './memory-storage.js';
import { otherTeamPrefix } from './other-team-prefix.js';
import { pushConsumer } from './push-consumer.js';
import { replicasExceedCluster } from './replicas-cluster.js';
import { singleReplica } from './single-replica.js';
import { streamUnbounded } from './stream-unbounded.js';
import { userWildcard } from './user-wildcard.js';
import { workqueueFanout } from './workqueue-fanout.js';

export const RULES: readonly Rule[] = [
  singleReplica, memoryStorage, capturesAll, broadWildcard, doubleStore, workqueueFanout, interestNoConsumer,
  filterNotCovered, ackWaitMissing, ackWaitShort, maxDeliverUnlimited, streamUnbounded, discardNewNoAlert,
  replicasExceedCluster, evenReplicas, pushConsumer, memoryBackup, userWildcard,
  ignoreWithoutReason(() => RULES.map((r) => r.id)),
  ackNoneImplicit, userShared, exportPublic, userWithoutExpiry, otherTeamPrefix,
];

export const ruleById = (id: string): Rule | undefined => RULES.find((r) => r.id === id);
