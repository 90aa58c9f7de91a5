/**
 * jetkeeper as a library: the same pipeline the CLI runs.
 *
 *   const { resources } = validateDocuments(await loadManifests(['manifests/'], readStdin));
 *   const result = await reconcile({ resources, connection: { servers: ['nats://127.0.0.1:4222'] }, owner: 'default', mode: 'apply' });
 *   for (const g of result.groups) for (const o of g.outcomes) console.log(o.key, o.result);
 *
 * The steps one by one: JetStreamAdmin.connect, admin.readLive() or readTargets(), plan(), applyPlan().
 */
export { JkError, JkErrors, catalogue, escapeControl, type ErrorCode, type SourcePosition } from './errors.js';
export { loadManifests, parseManifests, type ManifestDocument } from './manifests/load.js';
export { LIMITS } from './manifests/limits.js';
export { liveSubjectConflicts } from './manifests/cross.js';
export { validateDocuments, type Resource, type ValidationResult, type ValidateOptions } from './manifests/validate.js';
export { exportManifests, type Manifest } from './manifests/export.js';
export {
  plan, planResource, diffConfigs, summarize, hasChanges, defaultPruneLimit, type Plan, type Change, type FieldChange, type LiveState, type Action, type PruneGuard,
  type ResourcePlanOptions,
} from './plan/plan.js';
export { renderPlanText, planToJson } from './plan/render.js';
export { resourceStatuses, type ResourceStatus } from './plan/status.js';
export { accountRow, consumerRows, streamRows, type InventoryInput, type Row } from './plan/inventory.js';
export { applyPlan, checkAllowed, type ApplyOptions, type ApplyResult, type Outcome, type RefusalReason } from './apply/apply.js';
export {
  reconcile, type ReconcileInput, type ReconcileResult, type ReconcileEvent, type GroupResult,
} from './reconcile/reconcile.js';
export { groupByConnection, type ConnectionGroup } from './reconcile/connections.js';
export { healthOf, statusesAfter } from './reconcile/status.js';
export { resolveConnection, parseTimeout, type ConnectionOptions, type ResolveInput } from './nats/resolve.js';
export { JetStreamAdmin, type LiveSnapshot, type LiveTargets } from './nats/admin.js';
export type { ConnectionSettings } from './nats/settings.js';
export { startCluster, stopCluster, readClusterState, LocalCluster } from './local/cluster.js';
export { findNatsServer } from './local/binary.js';
export * from './resources/index.js';
export { registerJetStreamCollectors, seriesDefinitions, type CollectorOptions } from './metrics/collectors.js';
export { MetricsSource, type MetricsSourceOptions, type Snapshot } from './metrics/source.js';
export { AdvisoryLog, classifyAdvisory, type AdvisoryEvent } from './metrics/advisories.js';
export { checkStream, checkConsumer, type CheckResult } from './metrics/thresholds.js';
export { doctor, kubernetesFindings, type DoctorReport, type Finding, type KubeAccessError, type KubeFacts } from './metrics/doctor.js';
export { serveMetrics } from './metrics/http.js';
export * from './lint/index.js';
export { Controller, type ControllerOptions, type ControllerSnapshot } from './controller/controller.js';
export { WorkQueue, retryDelay, type WorkResult, type QueueOptions, type Clock } from './controller/queue.js';
export { createControllerMetrics, serveControllerHttp, type ControllerMetrics, type ControllerHttp } from './controller/http.js';
export { DirectorySource, policyOf, type DirectorySourceOptions } from './controller/sources/dir.js';
export {
  CONTROLLER_REASONS, DEFAULT_POLICY, type ControllerReason, type ControllerSource, type SourceSink, type SourceItem, type ItemPolicy, type ItemStatus,
  type ItemConnection, type LiveSummary, type EventReason, type EventType, type RemoveOptions, type RemovalResult, type KubernetesSourceOptions,
} from './controller/source.js';
export {
  backupStream, restoreBackup, backupAccount, restoreAccount, verifyBackup, describeBackups, migrateStream, planMigration,
  validateBackupPolicies, nextRun, runBackupPolicy, registerBackupMetrics, BACKUP_METRICS,
  type BackupSummary, type RestoreSummary, type VerifyResult, type BackupDescription, type MigratePlan, type BackupPolicy, type PolicyRunResult,
} from './backup/index.js';
export {
  planAccounts, applyAccounts, pushAccounts, securityModel, validateSecurityDocuments, checkStreamQuotas, lintAccounts, KeyStore, ROLES, CONTROLLER_API,
  formatSecurityPlan, formatPushReport, type SecurityPlan, type SecurityChange, type IssueResult, type PushReport, type AccountFinding,
} from './accounts/index.js';
export type { SecureState } from './local/secure.js';
