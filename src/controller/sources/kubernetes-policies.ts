/**
 * BackupPolicy objects (`jetstream.jetkeeper.io/v1alpha1`, plural backuppolicies) for the
 * Kubernetes source: watched like NACK's kinds, validated with the same schema as a file, handed
 * to the controller's scheduler, and their status (a Ready condition, last run, last success,
 * last verified backup, next run, per stream) written through the status subresource when it
 * changed. When the CRD is not installed, scheduled backups are off and everything else works.
 */
import { isDeepStrictEqual } from 'node:util';
import { JkError } from '../../errors.js';
import { httpStatus, kubeError, type CustomResource, type KubeClient } from '../../kube/client.js';
import { POLICY_API, POLICY_PLURAL } from '../../kube/crds.js';
import { watchResources, type ResourceWatch } from '../../kube/watch.js';
import { parseManifests } from '../../manifests/load.js';
import { POLICY_API_VERSION, POLICY_KIND } from '../../backup/policy-schema.js';
import { policyItems } from '../backup-items.js';
import type { BackupPolicyStatus, PolicyItem, SourceSink } from '../source.js';
import { readyCondition, type Condition } from './kubernetes-status.js';

type Log = (level: 'info' | 'warn', msg: string) => void;

export const policyKey = (obj: CustomResource): string => `${obj.metadata.namespace}/${POLICY_PLURAL}/${obj.metadata.name}`;

/** A BackupPolicy object as the scheduler's item; errors name the field (positions in generated text mean nothing to a user). */
export function policyItem(obj: CustomResource): PolicyItem {
  const key = policyKey(obj);
  const doc = { apiVersion: POLICY_API_VERSION, kind: POLICY_KIND, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace }, spec: obj.spec ?? {} };
  const [item] = policyItems(parseManifests(JSON.stringify(doc), key), () => key);
  const errors = item.errors?.map((e) => new JkError(e.code, { message: e.message, fix: e.fix, resource: `${POLICY_KIND}/${obj.metadata.name}`, field: e.field }));
  return { ...item, key, origin: key, generation: obj.metadata.generation ?? 1, ...(errors ? { errors } : {}) };
}

/** The object's status for `s`: the Ready condition keeps its lastTransitionTime while `ready` stays. */
export function policyCrStatus(s: BackupPolicyStatus, previous: Record<string, unknown> | undefined, now: string): Record<string, unknown> {
  const before = readyCondition(previous);
  const status = s.ready ? 'True' : 'False';
  const ready: Condition = {
    type: 'Ready', status, reason: s.reason, message: s.message, observedGeneration: s.observedGeneration,
    lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
  };
  const { ready: _r, reason: _reason, message: _m, ...fields } = s;
  return { ...fields, conditions: [ready] };
}

export class PolicyWatch {
  private watch?: ResourceWatch;
  private readonly objects = new Map<string, CustomResource>();

  constructor(private readonly client: KubeClient, private readonly namespace: string | undefined, private readonly log: Log) {}

  /** the CRD is not installed (the list answered 404): scheduled backups are off, readiness is not held back */
  private missing = false;

  /** Starts watching (a missing CRD is logged once and watched for with backoff, so installing it later works). */
  async start(sink: SourceSink): Promise<void> {
    this.watch = await watchResources(this.client, POLICY_PLURAL, this.namespace, {
      upsert: (o) => {
        this.missing = false;
        this.objects.set(policyKey(o), o);
        sink.upsertBackupPolicy?.(policyItem(o));
      },
      remove: (o) => {
        this.objects.delete(policyKey(o));
        sink.removeBackupPolicy?.(policyKey(o));
      },
      synced: () => { this.missing = false; },
      error: (e) => this.failed(e),
    }, POLICY_API);
  }

  private failed(e: unknown): void {
    if (httpStatus(e) === 404) {
      if (!this.missing) this.log('warn', `the BackupPolicy CRD (${POLICY_PLURAL}.${POLICY_API.group}) is not installed: scheduled backups are off until it is (deploy/crds/${POLICY_PLURAL}.yaml)`);
      this.missing = true;
      return;
    }
    this.log('warn', `watch of ${POLICY_PLURAL} failed, restarting: ${kubeError('watch', e).message}`);
  }

  healthy(): boolean {
    return this.missing || !this.watch || this.watch.healthy();
  }

  async stop(): Promise<void> {
    await this.watch?.stop();
  }

  async report(key: string, s: BackupPolicyStatus): Promise<void> {
    const obj = this.objects.get(key);
    if (!obj) return;
    const next = policyCrStatus(s, obj.status, new Date().toISOString());
    const strip = (st: Record<string, unknown> | undefined) => st && { ...st, conditions: (st.conditions as Condition[] | undefined)?.map(({ lastTransitionTime: _t, ...c }) => c) };
    if (obj.status && isDeepStrictEqual(strip(obj.status), strip(next))) return;
    try {
      await this.client.patchStatus(POLICY_PLURAL, obj.metadata.namespace, obj.metadata.name, { ...nulls(obj.status, next), ...next }, POLICY_API);
      obj.status = next;
    } catch (e) {
      if (httpStatus(e) !== 404) this.log('warn', kubeError(`write the status of ${key}`, e).message);
    }
  }
}

/** A merge patch keeps fields it does not name: the ones the new status drops are sent as null. */
function nulls(before: Record<string, unknown> | undefined, next: Record<string, unknown>): Record<string, null> {
  return Object.fromEntries(Object.keys(before ?? {}).filter((k) => !(k in next)).map((k) => [k, null]));
}
