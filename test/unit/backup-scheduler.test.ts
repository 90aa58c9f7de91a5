/** The controller's BackupPolicy scheduler with a fake clock and a recorded run: when it runs, what it reports, what it leaves. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { BackupScheduler } from '../../src/controller/backups.js';
import type { BackupPolicyStatus, PolicyItem } from '../../src/controller/source.js';
import { backupPolicySchema, type BackupPolicy, type PolicyDeps, type PolicyRunResult } from '../../src/backup/policy.js';
import { SIDECAR_FILE, SIDECAR_FORMAT } from '../../src/backup/format.js';
import type { JetStreamAdmin } from '../../src/nats/admin.js';
import { JkError } from '../../src/errors.js';
import { FakeClock } from '../helpers/clock.js';

const policy = (spec: Record<string, unknown>, name = 'nightly'): BackupPolicy => backupPolicySchema.parse({
  apiVersion: 'jetstream.jetkeeper.io/v1alpha1', kind: 'BackupPolicy', metadata: { name }, spec: { streams: ['ORDERS'], schedule: '0 2 * * *', destination: '/nonexistent-jetkeeper', ...spec },
});

function harness(opts: { readOnly?: boolean; fail?: boolean; iso?: string } = {}) {
  const clock = new FakeClock(opts.iso ?? '2026-12-02T01:00:00Z');
  const runs: { policy: BackupPolicy; deps: PolicyDeps; at: string }[] = [];
  const statuses = new Map<string, BackupPolicyStatus>();
  let dropped = 0;
  const registry = new Registry();
  const s = new BackupScheduler({
    connect: async () => ({}) as JetStreamAdmin, drop: async () => { dropped++; }, connection: { servers: ['nats://127.0.0.1:4222'] }, clock, registry, readOnly: !!opts.readOnly,
    report: (k, st) => statuses.set(k, st),
    run: async (p, deps): Promise<PolicyRunResult> => {
      runs.push({ policy: p, deps, at: new Date(clock.now()).toISOString() });
      if (opts.fail) throw new JkError('JK2001', { message: 'cannot connect to nats://user:secret@127.0.0.1:4222' });
      const at = new Date(clock.now()).toISOString();
      return { policy: p.metadata.name, startedAt: at, finishedAt: at, ok: true, streams: [{ stream: 'ORDERS', ok: true, dir: '/b/ORDERS/x', bytes: 10, durationMs: 5, verified: p.spec.verify, pruned: [] }] };
    },
  });
  return { s, clock, runs, statuses, registry, dropped: () => dropped };
}

const item = (p: BackupPolicy, generation = 1): PolicyItem => ({ key: `BackupPolicy/${p.metadata.name}`, policy: p, generation });

test('a policy runs at its cron time, reports Succeeded with the verified time, and is armed for the next day', async () => {
  const h = harness();
  h.s.upsert(item(policy({})));
  h.s.start();
  assert.equal(h.statuses.get('BackupPolicy/nightly')?.nextRunTime, '2026-12-02T02:00:00.000Z');
  h.clock.advance(59 * 60_000);
  await h.s.idle();
  assert.equal(h.runs.length, 0, 'not before 02:00');
  h.clock.advance(60_000);
  await h.s.idle();
  assert.equal(h.runs.length, 1);
  const st = h.statuses.get('BackupPolicy/nightly')!;
  assert.equal(st.reason, 'Succeeded');
  assert.equal(st.ready, true);
  assert.equal(st.lastVerifiedTime, '2026-12-02T02:00:00.000Z');
  assert.equal(st.nextRunTime, '2026-12-03T02:00:00.000Z');
  assert.match(await h.registry.metrics(), /jetkeeper_backup_last_verified_timestamp_seconds\{policy="nightly",stream="ORDERS"\} 1796176800/);
  await h.s.stop();
});

test('a monthly schedule waits in steps of at most an hour (a single timer would overflow)', async () => {
  const h = harness();
  h.s.upsert(item(policy({ schedule: '0 3 1 * *' })));
  h.s.start();
  assert.ok(h.clock.waits.every((w) => w <= 3_600_000), JSON.stringify(h.clock.waits));
  h.clock.advance(24 * 3_600_000);
  await h.s.idle();
  assert.equal(h.runs.length, 0);
  for (let i = 0; i < 31 * 24 && !h.runs.length; i++) {
    h.clock.advance(3_600_000);
    await h.s.idle();
  }
  assert.equal(h.runs.length, 1);
  assert.equal(h.runs[0].at, '2027-01-01T03:00:00.000Z');
  await h.s.stop();
});

test('invalid and suspended policies never run; their status says why', async () => {
  const h = harness();
  h.s.upsert({ key: 'BackupPolicy/bad', generation: 1, errors: [new JkError('JK7013', { message: 'invalid cron schedule', resource: 'BackupPolicy/bad', field: 'spec.schedule' })] });
  h.s.upsert(item(policy({ suspend: true }, 'paused')));
  h.s.start();
  h.clock.advance(3 * 24 * 3_600_000);
  await h.s.idle();
  assert.equal(h.runs.length, 0);
  assert.equal(h.statuses.get('BackupPolicy/bad')?.reason, 'InvalidPolicy');
  assert.equal(h.statuses.get('BackupPolicy/bad')?.ready, false);
  assert.match(h.statuses.get('BackupPolicy/bad')!.message, /spec\.schedule/);
  assert.equal(h.statuses.get('BackupPolicy/paused')?.reason, 'Suspended');
  await h.s.stop();
});

test('a run that cannot connect is Failed, not ready, drops the connection, shows no password, and runs again at the next time', async () => {
  const h = harness({ fail: true });
  h.s.upsert(item(policy({})));
  h.s.start();
  h.clock.advance(3_600_000);
  await h.s.idle();
  const st = h.statuses.get('BackupPolicy/nightly')!;
  assert.equal(st.reason, 'Failed');
  assert.equal(st.ready, false);
  assert.doesNotMatch(st.message, /secret/);
  assert.equal(h.dropped(), 1);
  const text = await h.registry.metrics();
  assert.match(text, /jetkeeper_backup_failures_total\{policy="nightly",stream="ORDERS"\} 1/, 'a run that could not start counts as a failure');
  assert.match(text, /jetkeeper_backup_runs_total\{policy="nightly",result="failed"\} 1/);
  assert.match(text, /jetkeeper_backup_runs_total\{policy="nightly",result="ok"\} 0/);
  h.clock.advance(24 * 3_600_000);
  await h.s.idle();
  assert.equal(h.runs.length, 2);
  await h.s.stop();
});

test('a read-only controller backs up without verifying (verification creates a scratch stream)', async () => {
  const h = harness({ readOnly: true });
  h.s.upsert(item(policy({})));
  h.s.start();
  h.clock.advance(3_600_000);
  await h.s.idle();
  assert.equal(h.runs[0].policy.spec.verify, false);
  assert.match(h.statuses.get('BackupPolicy/nightly')!.message, /read-only/);
  assert.equal(h.statuses.get('BackupPolicy/nightly')!.lastVerifiedTime, undefined);
  await h.s.stop();
});

test('at start, the backups on disk give the last success and verification; a schedule missed meanwhile runs at once', async () => {
  const dest = mkdtempSync(join(tmpdir(), 'jetkeeper-sched-'));
  const dir = join(dest, 'ORDERS', '2026-11-30T02-00-00Z');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SIDECAR_FILE), JSON.stringify({ format: SIDECAR_FORMAT, stream: 'ORDERS', createdAt: '2026-11-30T02:00:05.000Z', archiveBytes: 99, verifications: [{ at: '2026-11-30T02:00:09.000Z', ok: true, checks: [] }], consumers: [] }));
  const h = harness();
  h.s.upsert(item(policy({ destination: dest })));
  const seeded = h.statuses.get('BackupPolicy/nightly')!;
  assert.equal(seeded.lastSuccessTime, '2026-11-30T02:00:05.000Z');
  assert.equal(seeded.lastVerifiedTime, '2026-11-30T02:00:09.000Z');
  assert.match(await h.registry.metrics(), /jetkeeper_backup_last_verified_timestamp_seconds\{policy="nightly",stream="ORDERS"\} 1796004009/);
  h.s.start();
  await h.s.idle();
  assert.equal(h.runs.length, 1, 'the run of 2026-12-01T02:00 was missed');
  await h.s.stop();
});

test('a removed policy stops running; stop() aborts the run in flight and starts no other', async () => {
  const h = harness();
  h.s.upsert(item(policy({})));
  h.s.upsert(item(policy({}, 'other')));
  h.s.start();
  h.s.remove('BackupPolicy/other');
  assert.doesNotMatch(await h.registry.metrics(), /policy="other"/);
  h.clock.advance(3_600_000);
  await h.s.idle();
  assert.deepEqual(h.runs.map((r) => r.policy.metadata.name), ['nightly']);
  await h.s.stop();
  assert.equal(h.runs[0].deps.signal?.aborted, true);
  h.clock.advance(2 * 24 * 3_600_000);
  await h.s.idle();
  assert.equal(h.runs.length, 1);
});
