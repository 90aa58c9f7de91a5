/** healthOf: the live summary per stream and consumer that statuses (and the controller) show. Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveSnapshot } from '../../src/nats/admin.js';
import { healthOf } from '../../src/reconcile/status.js';

const stream = (name: string, consumers: number | undefined) => ({
  config: { name, num_replicas: 3 },
  state: { messages: 10, bytes: 100, consumer_count: consumers as number, first_seq: 1, last_seq: 10 },
  cluster: { leader: 'n1', replicas: [{ name: 'n2', current: true }, { name: 'n3', current: true }] },
});
const consumer = (s: string, name: string) => ({ stream: s, name, config: {}, num_pending: 4, num_ack_pending: 1, num_redelivered: 0, num_waiting: 0 });

test('healthOf gives each stream its consumer count, the server\'s count over the snapshot\'s list', () => {
  const live: LiveSnapshot = {
    serverVersion: '2.15.2',
    // ORDERS has a consumer the snapshot does not list (not declared): the server's count wins
    streams: [stream('ORDERS', 3), stream('EMPTY', 0)],
    consumers: [consumer('ORDERS', 'a'), consumer('ORDERS', 'b')],
  };
  const h = healthOf(live);
  assert.equal(h.streams.get('ORDERS')?.consumers, 3);
  assert.equal(h.streams.get('EMPTY')?.consumers, 0);
  assert.deepEqual(h.streams.get('ORDERS'), { messages: 10, bytes: 100, consumers: 3, leader: 'n1', replicas: live.streams[0].cluster?.replicas, numReplicas: 3 });
  assert.deepEqual(h.consumers.get('ORDERS/a'), { num_pending: 4, num_ack_pending: 1, num_redelivered: 0 });
});

test('without the server\'s count, healthOf counts the consumers of the snapshot', () => {
  const h = healthOf({ serverVersion: '2.9.10', streams: [stream('ORDERS', undefined)], consumers: [consumer('ORDERS', 'a'), consumer('OTHER', 'b')] });
  assert.equal(h.streams.get('ORDERS')?.consumers, 1);
});
