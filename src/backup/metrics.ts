/**
 * Prometheus metrics of scheduled backups, for the controller to register:
 *   jetkeeper_backup_last_success_timestamp_seconds{policy,stream}
 *   jetkeeper_backup_last_verified_timestamp_seconds{policy,stream}
 *   jetkeeper_backup_max_verified_age_seconds{policy,stream}   (the policy's maxVerifiedAge)
 *   jetkeeper_backup_failures_total{policy,stream}
 *   jetkeeper_backup_runs_total{policy,result}
 *   jetkeeper_backup_last_size_bytes{policy,stream}
 *   jetkeeper_backup_last_duration_seconds{policy,stream}
 * The alert JetkeeperBackupVerifiedTooOld fires on
 * time() - jetkeeper_backup_last_verified_timestamp_seconds > jetkeeper_backup_max_verified_age_seconds.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseDuration } from '../resources/duration.js';
import type { DiskRecord } from './policy-disk.js';
import type { PolicyRunResult } from './policy.js';

export const BACKUP_METRICS = {
  lastSuccess: 'jetkeeper_backup_last_success_timestamp_seconds',
  lastVerified: 'jetkeeper_backup_last_verified_timestamp_seconds',
  maxVerifiedAge: 'jetkeeper_backup_max_verified_age_seconds',
  failures: 'jetkeeper_backup_failures_total',
  runs: 'jetkeeper_backup_runs_total',
  size: 'jetkeeper_backup_last_size_bytes',
  duration: 'jetkeeper_backup_last_duration_seconds',
} as const;

/** When a policy does not say: a daily schedule, a little slack. */
export const DEFAULT_MAX_VERIFIED_AGE_SECONDS = 26 * 3600;

export interface BackupCollector {
  /** records one run of a policy */
  observe(run: PolicyRunResult, maxVerifiedAge?: string): void;
  /** what the destination already held when the controller started */
  seed(policy: string, records: readonly DiskRecord[], maxVerifiedAge?: string): void;
  /** a run that could not start (no connection, no stream list): counts as a failure of each stream it covers */
  failedRun(policy: string, streams: readonly string[], maxVerifiedAge?: string): void;
  /** drops every series of a policy that went away */
  forget(policy: string): void;
}

function maxAgeSeconds(text: string | undefined): number {
  if (!text) return DEFAULT_MAX_VERIFIED_AGE_SECONDS;
  const d = parseDuration(text);
  return 'error' in d ? DEFAULT_MAX_VERIFIED_AGE_SECONDS : d.ns / 1e9;
}

function gauges(registry: Registry) {
  const labelNames = ['policy', 'stream'] as const;
  const registers = [registry];
  return {
    lastSuccess: new Gauge({ name: BACKUP_METRICS.lastSuccess, help: 'Unix time of the last successful backup', labelNames, registers }),
    lastVerified: new Gauge({ name: BACKUP_METRICS.lastVerified, help: 'Unix time of the last backup proven by a restore', labelNames, registers }),
    maxAge: new Gauge({ name: BACKUP_METRICS.maxVerifiedAge, help: 'The policy\'s maxVerifiedAge: the newest verified backup should be younger than this', labelNames, registers }),
    failures: new Counter({ name: BACKUP_METRICS.failures, help: 'Backups (or their verification) that failed', labelNames, registers }),
    size: new Gauge({ name: BACKUP_METRICS.size, help: 'Archive size of the last successful backup', labelNames, registers }),
    duration: new Gauge({ name: BACKUP_METRICS.duration, help: 'Duration of the last successful backup', labelNames, registers }),
  };
}

/** Registers the backup metrics on `registry`; observe() each policy run. */
export function registerBackupMetrics(registry: Registry): BackupCollector {
  const g = gauges(registry);
  const runs = new Counter({ name: BACKUP_METRICS.runs, help: 'Runs of a backup policy, by result (ok: every stream backed up and, where asked, verified)', labelNames: ['policy', 'result'], registers: [registry] });
  const streamsOf = new Map<string, Set<string>>();
  const touch = (policy: string, stream: string) => {
    streamsOf.set(policy, (streamsOf.get(policy) ?? new Set()).add(stream));
    return { policy, stream };
  };
  // both results exist from a policy's first run, so increase() sees the first failure too
  const counted = (policy: string, result: 'ok' | 'failed') => {
    runs.inc({ policy, result: result === 'ok' ? 'failed' : 'ok' }, 0);
    runs.inc({ policy, result });
  };
  return {
    observe(run, maxVerifiedAge) {
      const at = Date.parse(run.finishedAt) / 1000;
      counted(run.policy, run.ok ? 'ok' : 'failed');
      for (const s of run.streams) {
        if (s.ok && !s.dir) continue; // skipped (a memory stream under `all`)
        const labels = touch(run.policy, s.stream);
        g.maxAge.set(labels, maxAgeSeconds(maxVerifiedAge));
        if (!s.ok) {
          g.failures.inc(labels);
          continue;
        }
        g.failures.inc(labels, 0);
        g.lastSuccess.set(labels, at);
        if (s.verified) g.lastVerified.set(labels, at);
        g.size.set(labels, s.bytes ?? 0);
        g.duration.set(labels, (s.durationMs ?? 0) / 1000);
      }
    },
    seed(policy, records, maxVerifiedAge) {
      for (const r of records) {
        const labels = touch(policy, r.stream);
        g.maxAge.set(labels, maxAgeSeconds(maxVerifiedAge));
        g.failures.inc(labels, 0);
        if (r.createdAt) g.lastSuccess.set(labels, Date.parse(r.createdAt) / 1000);
        if (r.verifiedAt) g.lastVerified.set(labels, Date.parse(r.verifiedAt) / 1000);
        if (r.bytes !== undefined) g.size.set(labels, r.bytes);
      }
    },
    failedRun(policy, streams, maxVerifiedAge) {
      counted(policy, 'failed');
      for (const stream of new Set([...streams, ...(streamsOf.get(policy) ?? [])])) {
        const labels = touch(policy, stream);
        g.maxAge.set(labels, maxAgeSeconds(maxVerifiedAge));
        g.failures.inc(labels);
      }
    },
    forget(policy) {
      for (const stream of streamsOf.get(policy) ?? []) for (const m of Object.values(g)) m.remove({ policy, stream });
      for (const result of ['ok', 'failed']) runs.remove({ policy, result });
      streamsOf.delete(policy);
    },
  };
}
