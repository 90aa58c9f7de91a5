/**
 * jetkeeper as a library: the same pipeline the CLI runs.
 *
 *   const { resources } = validateDocuments(await loadManifests(['manifests/'], readStdin));
 *   const admin = await JetStreamAdmin.connect({ servers: ['nats://127.0.0.1:4222'] });
 *   const p = plan(resources, await admin.readLive(), { owner: 'default', prune: false });
 *   await applyPlan(p, admin, { allowReplace: false });
 */
export { JkError, JkErrors, catalogue, type ErrorCode, type SourcePosition } from './errors.js';
export { loadManifests, parseManifests, type ManifestDocument } from './manifests/load.js';
export { validateDocuments, type Resource, type ValidationResult } from './manifests/validate.js';
export { exportManifests, type Manifest } from './manifests/export.js';
export { plan, planResource, diffConfigs, summarize, hasChanges, type Plan, type Change, type FieldChange, type LiveState, type Action } from './plan/plan.js';
export { renderPlanText, planToJson } from './plan/render.js';
export { resourceStatuses, type ResourceStatus } from './plan/status.js';
export { applyPlan, checkAllowed, type ApplyOptions, type ApplyResult } from './apply/apply.js';
export { JetStreamAdmin, type LiveSnapshot } from './nats/admin.js';
export type { ConnectionSettings } from './nats/settings.js';
export { startCluster, stopCluster, readClusterState, LocalCluster } from './local/cluster.js';
export { findNatsServer } from './local/binary.js';
export * from './resources/index.js';
