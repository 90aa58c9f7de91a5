/**
 * The contract between the controller and where desired state comes from (a directory, the
 * Kubernetes API). A source lists items, keeps the controller's view of them current through a
 * sink, and receives back what the controller found: one status per item (only when it changed)
 * and deduplicated events. The controller owns the work queue, the reconcile passes and the
 * NATS connections; a source never talks to NATS.
 *
 * Compatibility: this file is shared by every source. Changes are additive only (new optional
 * fields, new optional methods).
 */
import type { BackupPolicy } from '../backup/policy.js';
import type { JkError } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import type { ConnectionSettings } from '../nats/settings.js';

/**
 * The closed set of reasons a status carries (the Ready condition's `reason`). Documented in
 * docs/controller.md; never extended without a documentation change.
 */
export type ControllerReason =
  | 'Created' // the asset did not exist and was created
  | 'Updated' // the manifest changed and the asset was updated in place
  | 'InSync' // the asset matches the manifest; nothing was written
  | 'DriftRepaired' // the asset was changed or deleted out of band and was put back
  | 'DriftDetected' // the asset differs from the manifest and drift is only reported (or read-only)
  | 'StreamMissing' // a consumer whose stream does not exist (yet): retried when the stream is Ready
  | 'ImmutableFieldChanged' // the change needs delete + create and the item does not allow replace
  | 'ServerUnsupported' // the connected server lacks a field the manifest uses
  | 'ConnectionFailed' // NATS could not be reached or refused the request
  | 'NoQuorum' // the asset has no leader (or too few current replicas)
  | 'InvalidManifest' // the item failed to parse or validate; nothing on the server was touched
  | 'UpdatePrevented' // preventUpdate (or managed: false) keeps a difference from being written
  | 'Orphaned' // the item went away and the asset was deliberately left on the server
  | 'NotOwned'; // an asset of that name exists and was not created by jetkeeper; adopt to manage it

export const CONTROLLER_REASONS: readonly ControllerReason[] = [
  'Created', 'Updated', 'InSync', 'DriftRepaired', 'DriftDetected', 'StreamMissing', 'ImmutableFieldChanged',
  'ServerUnsupported', 'ConnectionFailed', 'NoQuorum', 'InvalidManifest', 'UpdatePrevented', 'Orphaned', 'NotOwned',
];

/** What the controller may do with one item's asset. Sources fill it from annotations, flags or defaults. */
export interface ItemPolicy {
  /** when the item goes away: delete the asset, or leave it (orphan). Default: delete */
  deletion: 'delete' | 'orphan';
  /** false: observe only: read and report, never write (jetkeeper.io/managed: "false"). Default: true */
  managed: boolean;
  /** recreate the asset when an immutable field changes (the data loss is announced in an event first). Default: false */
  allowReplace: boolean;
  /** take over an existing asset of the same name that jetkeeper did not create. Default: false */
  adopt: boolean;
  /** never delete the asset (spec.preventDelete). Default: false */
  preventDelete: boolean;
}

export const DEFAULT_POLICY: Readonly<ItemPolicy> = { deletion: 'delete', managed: true, allowReplace: false, adopt: false, preventDelete: false };

/**
 * Connection settings the source resolved for an item (a Kubernetes Account CR and its Secrets).
 * Items with the same `poolKey` share one NATS connection; the key must identify the settings
 * without containing secrets (e.g. `namespace/account`).
 */
export interface ItemConnection {
  poolKey: string;
  settings: ConnectionSettings;
}

/** One declared resource as the source sees it. */
export interface SourceItem {
  /**
   * Stable identity of the item within the source, the same across restarts: e.g.
   * `orders.yaml#Stream/ORDERS` or `ns/streams/orders`. The work queue is keyed by it.
   */
  key: string;
  /** the validated resource; absent when the item failed validation */
  resource?: Resource;
  /** why the item is invalid (InvalidManifest); the controller touches nothing for it */
  errors?: readonly JkError[];
  /** increases whenever the desired state changes (metadata.generation, or a file revision) */
  generation: number;
  policy: ItemPolicy;
  /** absent: the controller's default connection */
  connection?: ItemConnection;
  /** where the item came from, for messages (a file path, `namespace/name`) */
  origin?: string;
}

/** How the removal of an item ended. */
export interface RemovalResult {
  /** deleted: the asset is gone; orphaned: left on the server (by policy, preventDelete, or after the timeout); failed: nothing was decided yet */
  result: 'deleted' | 'orphaned' | 'failed';
  message: string;
}

export interface RemoveOptions {
  /**
   * Called once, when the removal is complete (deleted or orphaned), so a source can drop its
   * finalizer only then. After `timeoutMs` without success the controller orphans the asset,
   * emits an event, and calls back with `orphaned`.
   */
  done?: (r: RemovalResult) => void;
  /** default: the controller's removal timeout */
  timeoutMs?: number;
}

/** What a source calls to keep the controller's view current. */
export interface SourceSink {
  /** the item is new or changed (a repeat with the same generation is harmless) */
  upsert(item: SourceItem): void;
  /** the item went away: delete or orphan its asset per its last policy */
  remove(key: string, options?: RemoveOptions): void;
  /** the initial list is complete: removals before this are not trusted and nothing is pruned */
  synced(): void;
  /** a BackupPolicy is new or changed (scheduled by the controller) */
  upsertBackupPolicy?(item: PolicyItem): void;
  /** a BackupPolicy went away: no more runs (its backups stay on disk) */
  removeBackupPolicy?(key: string): void;
}

/** One declared BackupPolicy as the source sees it. */
export interface PolicyItem {
  /** stable identity, e.g. `BackupPolicy/nightly` or `ns/backuppolicies/nightly` */
  key: string;
  /** the validated policy; absent when it failed validation */
  policy?: BackupPolicy;
  errors?: readonly JkError[];
  generation: number;
  /** absent: the controller's default connection */
  connection?: ItemConnection;
  origin?: string;
}

/** The reasons of a BackupPolicy status (documented in docs/backup.md). */
export type BackupPolicyReason = 'Scheduled' | 'Running' | 'Succeeded' | 'Failed' | 'InvalidPolicy' | 'Suspended';

export interface PolicyStreamStatus {
  stream: string;
  ok: boolean;
  /** the backup's directory (absent: skipped, or failed before writing) */
  dir?: string;
  bytes?: number;
  durationSeconds?: number;
  verified?: boolean;
  /** `CODE: message` */
  error?: string;
}

/** The status of one BackupPolicy: its last run, last success and last verified backup, and the next run. */
export interface BackupPolicyStatus {
  /** false: the last run failed, or the policy is invalid */
  ready: boolean;
  reason: BackupPolicyReason;
  message: string;
  observedGeneration: number;
  nextRunTime?: string;
  lastRunTime?: string;
  lastSuccessTime?: string;
  /** the last run whose every backup was proven by a restore */
  lastVerifiedTime?: string;
  /** of the last successful run */
  lastSizeBytes?: number;
  lastDurationSeconds?: number;
  lastVerified?: boolean;
  /** per stream, of the last run */
  streams?: PolicyStreamStatus[];
}

/** A short summary of the live asset (jetkeeper's own CRDs and GET /status show it). */
export interface LiveSummary {
  messages?: number;
  bytes?: number;
  consumers?: number;
  leader?: string;
  replicas?: { current: number; lagging: number; offline: number };
  /** consumers */
  pending?: number;
  ackPending?: number;
}

/** The status of one item: the Ready condition and the live summary. */
export interface ItemStatus {
  ready: boolean;
  reason: ControllerReason;
  message: string;
  /** the item generation this status is about */
  observedGeneration: number;
  /** ISO time the `ready` value last changed */
  lastTransitionTime: string;
  live?: LiveSummary;
}

export type EventType = 'Normal' | 'Warning';

/** An event's reason: a status reason, or one of the steps that have no status of their own. */
export type EventReason = ControllerReason | 'Deleted' | 'Replacing' | 'RemovalRefused';

/** Implemented by each source. */
export interface ControllerSource {
  /** a short name for logs and /status, e.g. `dir:./manifests` */
  readonly name: string;
  /** lists, then keeps watching; resolves once watching has started */
  start(sink: SourceSink): Promise<void>;
  stop(): Promise<void>;
  /** the controller calls this only when the item's status changed; may be async (errors are logged) */
  report(key: string, status: ItemStatus): void | Promise<void>;
  /** deduplicated by the controller: not called again for the same key, type, reason and message */
  event(key: string, type: EventType, reason: EventReason, message: string): void | Promise<void>;
  /** for /readyz: the source's watch is up */
  ready(): boolean;
  /** a BackupPolicy's status changed (sources that offer policies) */
  reportBackupPolicy?(key: string, status: BackupPolicyStatus): void | Promise<void>;
}

/**
 * What the command line hands the Kubernetes source's factory
 * (`createKubernetesSource(options)` in sources/kubernetes.ts).
 */
export interface KubernetesSourceOptions {
  /** watch this namespace only */
  namespace?: string;
  /** watch every namespace (cluster-wide) */
  allNamespaces?: boolean;
  /** kubeconfig file (default: in-cluster, then the usual lookup) */
  kubeconfig?: string;
  /** the default NATS connection (items without an Account or connection fields) */
  connection: ConnectionSettings;
  owner: string;
  readOnly: boolean;
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void; debug(o: object, msg: string): void };
}
