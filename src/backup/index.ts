/** Backups proven by restores, in the nats CLI's directory format. */
export { backupStream, streamOf, kindOfStream, type BackupKind, type BackupOptions, type BackupSummary } from './backup.js';
export { restoreBackup, type RestoreOptions, type RestoreSummary } from './restore.js';
export { backupAccount, restoreAccount, accountBackupDirs, type AccountBackupResult } from './account.js';
export { verifyBackup, scratchConfig, type VerifyResult } from './verify.js';
export { describeBackups, type BackupDescription } from './describe.js';
export { archiveNameFor, checkFraming, metaText, readBackupDir, readSidecar, ARCHIVE_TAR, ARCHIVE_V2, META_FILE, SIDECAR_FILE, type Sidecar, type Verification } from './format.js';
export { migrateStream, planMigration, MIGRATE_STEPS, type MigrateOptions, type MigratePlan, type MigrateStep } from './migrate.js';
