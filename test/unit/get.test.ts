import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { rowsTable } from '../../src/cli/get.js';
import { accountRow, consumerRows, streamRows } from '../../src/plan/inventory.js';
import type { LiveSnapshot } from '../../src/nats/admin.js';

const HOUR_NS = 3_600_000_000_000;

const live: LiveSnapshot = {
  serverVersion: '2.15.2',
  streams: [
    {
      config: { name: 'ORDERS', subjects: ['orders.created', 'orders.paid'], retention: 'limits', storage: 'file', num_replicas: 3, max_age: 24 * HOUR_NS },
      state: { messages: 12, bytes: 3400, consumer_count: 1, first_seq: 1, last_seq: 12 },
      cluster: { leader: 'n1' },
    },
    {
      config: { name: 'AUDIT', subjects: ['audit.>'], retention: 'limits', storage: 'memory', num_replicas: 1, max_age: 0 },
      state: { messages: 0, bytes: 0, consumer_count: 0, first_seq: 0, last_seq: 0 },
    },
    {
      config: { name: 'KV_config', subjects: ['$KV.config.>'], retention: 'limits', storage: 'file', num_replicas: 1, max_msgs_per_subject: 5, max_age: 0, allow_rollup_hdrs: true, deny_delete: true },
      state: { messages: 2, bytes: 90, consumer_count: 0, first_seq: 1, last_seq: 2 },
    },
  ],
  consumers: [
    { stream: 'ORDERS', name: 'fulfillment', config: { durable_name: 'fulfillment', ack_policy: 'explicit', filter_subject: 'orders.created' }, num_pending: 3, num_ack_pending: 1, num_redelivered: 0, num_waiting: 1 },
    { stream: 'ORDERS', name: 'all', config: { durable_name: 'all', ack_policy: 'none', filter_subjects: ['orders.created', 'orders.paid'] }, num_pending: 0, num_ack_pending: 0, num_redelivered: 0, num_waiting: 0 },
  ],
};

test('get streams -o json: subjects an array, counts numbers, max age a Go duration, unset as null', () => {
  const rows = streamRows(live, 'Stream');
  assert.deepEqual(rows[0], {
    name: 'ORDERS', subjects: ['orders.created', 'orders.paid'], retention: 'limits', storage: 'file', replicas: 3, maxAge: '24h',
    messages: 12, bytes: 3400, consumers: 1, leader: 'n1', owner: null,
  });
  assert.equal(rows[1]!.maxAge, null);
  assert.equal(rows[1]!.leader, null);
  // YAML carries the same shape
  assert.match(stringify(rows), /subjects:\n {4}- orders.created\n {4}- orders.paid/);
});

test('get consumers -o json: filter subjects always an array', () => {
  const rows = consumerRows(live);
  assert.deepEqual(rows.map((r) => r.filter), [['orders.created'], ['orders.created', 'orders.paid']]);
  assert.equal(rows[0]!.pending, 3);
});

test('get text table joins lists with commas and prints - for nothing', () => {
  const text = rowsTable(streamRows(live, 'Stream'));
  assert.match(text, /^NAME\s+SUBJECTS/m);
  assert.match(text, /ORDERS\s+orders\.created,orders\.paid\s+limits\s+file\s+3\s+24h\s+12\s+3400\s+1\s+n1\s+-/);
  assert.match(text, /AUDIT\s+audit\.>\s+limits\s+memory\s+1\s+-\s+0/);
});

test('get accounts -o json: limits as numbers, no domain as null', () => {
  const info = { memory: 0, storage: 1024, streams: 2, consumers: 1, limits: { max_memory: -1, max_storage: -1 }, domain: '' };
  assert.deepEqual(accountRow('2.15.2', info), { server: '2.15.2', memory: 0, storage: 1024, streams: 2, consumers: 1, maxMemory: -1, maxStorage: -1, domain: null });
  assert.equal(accountRow('2.15.2', { ...info, domain: 'hub' }).domain, 'hub');
});
