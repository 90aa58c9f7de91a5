/** Backups proven by restores, in the nats CLI's directory format. */
export { backupStream, streamOf, kindOfStream, type BackupKind, type BackupOptions, type BackupSummary } from './backup.js';
export { restoreBackup, type RestoreOptions, type RestoreSummary } from './restore.js';
export { backupAccount, restoreAccount, accountBackupDirs, type AccountBackupResult } from './account.js';
export { verifyBackup, scratchConfig, type VerifyResult } from './verify.js';
export { describeBackups, type BackupDescription } from './describe.js';
export { archiveNameFor, checkFraming, metaText, readBackupDir, readSidecar, ARCHIVE_TAR, ARCHIVE_V2, META_FILE, SIDECAR_FILE, type Sidecar, type Verification } from './format.js';
export { migrateStream, planMigration, MIGRATE_STEPS, type MigrateOptions, type MigratePlan, type MigrateStep } from './migrate.js';
export { validateBackupPolicies, nextRun, runBackupPolicy, backupPolicySchema, POLICY_API_VERSION, POLICY_KIND, type BackupPolicy, type PolicyRunResult, type PolicyDeps } from './policy.js';
export { registerBackupMetrics, BACKUP_METRICS, type BackupCollector } from './metrics.js';
