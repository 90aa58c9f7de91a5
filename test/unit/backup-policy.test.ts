/** BackupPolicy: schema with file:line errors, the cron schedule, the metrics the controller registers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { nextRun, registerBackupMetrics, validateBackupPolicies } from '../../src/backup/index.js';
import { parseManifests } from '../../src/manifests/load.js';

const good = `apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: BackupPolicy
metadata:
  name: orders-nightly
spec:
  streams: [ORDERS]
  keyValues: [config]
  schedule: "30 2 * * *"
  retention: 3
  destination: /backups
  maxVerifiedAge: 26h
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: s }
spec: { name: ORDERS }
`;

test('a BackupPolicy is read with its defaults; other documents are left alone', () => {
  const { policies, errors } = validateBackupPolicies(parseManifests(good, 'p.yaml'));
  assert.deepEqual(errors, []);
  assert.equal(policies.length, 1);
  assert.deepEqual(policies[0]!.spec, { streams: ['ORDERS'], keyValues: ['config'], objectStores: [], all: false, schedule: '30 2 * * *', retention: 3, destination: '/backups', verify: true, maxVerifiedAge: '26h', consumers: true, suspend: false });
});

test('bad fields are JK7013 errors naming the field and file:line', () => {
  const bad = good.split('---')[0]!.replace('"30 2 * * *"', '"every night"').replace('retention: 3', 'retention: 0').replace('destination: /backups', 'destination: /backups\n  colour: blue');
  const { errors } = validateBackupPolicies(parseManifests(bad, 'p.yaml'));
  const got = errors.map((e) => [e.code, e.field, e.at?.line]);
  assert.ok(got.some(([c, f, l]) => c === 'JK7013' && f === 'spec.retention' && l === 9), JSON.stringify(got));
  assert.ok(errors.some((e) => e.code === 'JK7013' && /colour/.test(e.message)), JSON.stringify(got));
  const cron = validateBackupPolicies(parseManifests(good.split('---')[0]!.replace('"30 2 * * *"', '"99 2 * * *"'), 'p.yaml')).errors;
  assert.deepEqual(cron.map((e) => [e.field, e.at?.line]), [['spec.schedule', 8]]);
  const nothing = validateBackupPolicies(parseManifests(good.split('---')[0]!.replace('  streams: [ORDERS]\n  keyValues: [config]\n', ''), 'p.yaml')).errors;
  assert.match(nothing[0]!.message, /backs up nothing/);
});

test('nextRun follows the cron schedule in UTC', () => {
  const [p] = validateBackupPolicies(parseManifests(good, 'p.yaml')).policies;
  assert.equal(nextRun(p!, new Date('2026-12-02T01:00:00Z')).toISOString(), '2026-12-02T02:30:00.000Z');
  assert.equal(nextRun(p!, new Date('2026-12-02T02:30:00Z')).toISOString(), '2026-12-03T02:30:00.000Z');
});

test('the metrics show the last success, the last verified backup and failures', async () => {
  const registry = new Registry();
  const m = registerBackupMetrics(registry);
  m.observe({ policy: 'p', startedAt: '2026-12-02T02:30:00Z', finishedAt: '2026-12-02T02:31:00Z', ok: false, streams: [
    { stream: 'ORDERS', ok: true, dir: '/backups/ORDERS/2026-12-02T02-30-00Z', bytes: 1000, durationMs: 1500, verified: true, pruned: [] },
    { stream: 'KV_config', ok: false, error: { code: 'JK7008', message: 'x' }, pruned: [] },
  ] });
  const text = await registry.metrics();
  assert.match(text, /jetkeeper_backup_last_success_timestamp_seconds\{policy="p",stream="ORDERS"\} 1796178660/);
  assert.match(text, /jetkeeper_backup_last_verified_timestamp_seconds\{policy="p",stream="ORDERS"\} 1796178660/);
  assert.match(text, /jetkeeper_backup_failures_total\{policy="p",stream="KV_config"\} 1/);
  assert.match(text, /jetkeeper_backup_failures_total\{policy="p",stream="ORDERS"\} 0/);
  assert.doesNotMatch(text, /last_success_timestamp_seconds\{policy="p",stream="KV_config"\}/);
});
