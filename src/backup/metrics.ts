/**
 * Prometheus metrics of scheduled backups, for the controller to register:
 *   jetkeeper_backup_last_success_timestamp_seconds{policy,stream}
 *   jetkeeper_backup_last_verified_timestamp_seconds{policy,stream}
 *   jetkeeper_backup_failures_total{policy,stream}
 *   jetkeeper_backup_last_size_bytes{policy,stream}
 *   jetkeeper_backup_last_duration_seconds{policy,stream}
 * Alert on time() - jetkeeper_backup_last_verified_timestamp_seconds > the policy's maxVerifiedAge.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { PolicyRunResult } from './policy.js';

export const BACKUP_METRICS = {
  lastSuccess: 'jetkeeper_backup_last_success_timestamp_seconds',
  lastVerified: 'jetkeeper_backup_last_verified_timestamp_seconds',
  failures: 'jetkeeper_backup_failures_total',
  size: 'jetkeeper_backup_last_size_bytes',
  duration: 'jetkeeper_backup_last_duration_seconds',
} as const;

export interface BackupCollector {
  /** records one run of a policy */
  observe(run: PolicyRunResult): void;
}

/** Registers the backup metrics on `registry`; observe() each policy run. */
export function registerBackupMetrics(registry: Registry): BackupCollector {
  const labelNames = ['policy', 'stream'] as const;
  const registers = [registry];
  const lastSuccess = new Gauge({ name: BACKUP_METRICS.lastSuccess, help: 'Unix time of the last successful backup', labelNames, registers });
  const lastVerified = new Gauge({ name: BACKUP_METRICS.lastVerified, help: 'Unix time of the last backup proven by a restore', labelNames, registers });
  const failures = new Counter({ name: BACKUP_METRICS.failures, help: 'Backups (or their verification) that failed', labelNames, registers });
  const size = new Gauge({ name: BACKUP_METRICS.size, help: 'Archive size of the last successful backup', labelNames, registers });
  const duration = new Gauge({ name: BACKUP_METRICS.duration, help: 'Duration of the last successful backup', labelNames, registers });
  return {
    observe(run) {
      const at = Date.parse(run.finishedAt) / 1000;
      for (const s of run.streams) {
        const labels = { policy: run.policy, stream: s.stream };
        if (!s.ok) {
          failures.inc(labels);
          continue;
        }
        failures.inc(labels, 0);
        lastSuccess.set(labels, at);
        if (s.verified) lastVerified.set(labels, at);
        size.set(labels, s.bytes ?? 0);
        duration.set(labels, (s.durationMs ?? 0) / 1000);
      }
    },
  };
}
