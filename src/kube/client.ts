/**
 * The door to the Kubernetes API: the only module (with its siblings in src/kube) that imports
 * @kubernetes/client-node. Loads a kubeconfig file, the default one, or the in-cluster
 * ServiceAccount; reads and patches custom resources (status through the status subresource,
 * finalizers as a metadata-only patch: spec is never written), Events, Secrets and Leases; and
 * sends arbitrary objects (with server-side dry-run) for tests and installs.
 */
import {
  ApiException, AppsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi, PatchStrategy, PolicyV1Api,
  setHeaderOptions, type KubernetesObject, type V1Lease, type CoreV1Event,
} from '@kubernetes/client-node';
import { JkError } from '../errors.js';
import { NACK_API, type ApiRef } from './crds.js';

/** A custom resource of jetstream.nats.io as it comes from the API server. */
export interface CustomResource extends KubernetesObject {
  metadata: NonNullable<KubernetesObject['metadata']> & { name: string; namespace: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface KubeClientOptions {
  /** kubeconfig file; absent: in-cluster ServiceAccount when running in a pod, else the default kubeconfig */
  kubeconfig?: string;
  /** true when running in a pod (the ServiceAccount token is mounted) */
  inCluster?: boolean;
}

/** A coordination.k8s.io/v1 Lease (leader election). */
export type Lease = V1Lease;

/** API discovery (`/apis/GROUP/VERSION`): which kinds a group version serves. */
class DiscoveryApi extends KubernetesObjectApi {
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)) !== undefined;
  }
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The HTTP status of a failed API call (0 when there was no answer). */
export function httpStatus(e: unknown): number {
  if (e instanceof ApiException) return e.code;
  const c = (e as { code?: unknown; statusCode?: unknown })?.statusCode ?? (e as { code?: unknown })?.code;
  return typeof c === 'number' ? c : 0;
}

/** A failed call as a JkError: what was asked, the status, and the server's message (never a secret: the API echoes no Secret data in errors). */
export function kubeError(what: string, e: unknown): JkError {
  const status = httpStatus(e);
  const body = e instanceof ApiException ? (typeof e.body === 'string' ? safeMessage(e.body) : '') : String((e as Error)?.message ?? e);
  const fix = status === 403
    ? 'grant the controller\'s ServiceAccount this permission (the Helm chart\'s RBAC has every one it needs)'
    : status === 401 ? 'check the kubeconfig\'s credentials' : 'check that the Kubernetes API server is reachable and the CRDs are installed (jetkeeper crds)';
  return new JkError('JK5050', { message: `Kubernetes API: ${what} failed${status ? ` (HTTP ${status})` : ''}${body ? `: ${body}` : ''}`, fix, transient: status === 0 || status >= 500 || status === 429, cause: e });
}

function safeMessage(body: string): string {
  try {
    return String((JSON.parse(body) as { message?: unknown }).message ?? '').slice(0, 500);
  } catch {
    return body.slice(0, 200);
  }
}

export class KubeClient {
  readonly config: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly objects: KubernetesObjectApi;
  private readonly discovery: DiscoveryApi;

  private constructor(config: KubeConfig) {
    this.config = config;
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.core = config.makeApiClient(CoreV1Api);
    this.coordination = config.makeApiClient(CoordinationV1Api);
    this.apps = config.makeApiClient(AppsV1Api);
    this.policy = config.makeApiClient(PolicyV1Api);
    this.objects = KubernetesObjectApi.makeApiClient(config);
    this.discovery = config.makeApiClient(DiscoveryApi);
  }

  /** Loads the configuration: a kubeconfig file, the in-cluster ServiceAccount, or the default kubeconfig. */
  static load(opts: KubeClientOptions = {}): KubeClient {
    const config = new KubeConfig();
    try {
      if (opts.kubeconfig) config.loadFromFile(opts.kubeconfig);
      else if (opts.inCluster) config.loadFromCluster();
      else config.loadFromDefault();
    } catch (e) {
      throw new JkError('JK5051', {
        message: `cannot load the Kubernetes configuration${opts.kubeconfig ? ` from ${opts.kubeconfig}` : ''}: ${(e as Error).message}`,
        option: 'kubeconfig',
        fix: 'give a readable kubeconfig file with `kubeconfig`, or run inside a pod with a ServiceAccount',
      });
    }
    if (!config.getCurrentCluster()) {
      throw new JkError('JK5051', { message: 'the Kubernetes configuration names no cluster', option: 'kubeconfig', fix: 'give a kubeconfig file with a current context' });
    }
    return new KubeClient(config);
  }

  /** The namespace of the current context (default: `default`). */
  defaultNamespace(): string {
    return this.config.getContextObject(this.config.getCurrentContext())?.namespace || 'default';
  }

  /** Lists the custom resources of one plural, in one namespace or all. */
  async listResources(plural: string, namespace?: string, api: ApiRef = NACK_API): Promise<{ items: CustomResource[]; metadata?: { resourceVersion?: string } }> {
    const base = { ...api, plural };
    return namespace ? this.custom.listNamespacedCustomObject({ ...base, namespace }) : this.custom.listClusterCustomObject(base);
  }

  async getResource(plural: string, namespace: string, name: string, api: ApiRef = NACK_API): Promise<CustomResource | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({ ...api, plural, namespace, name })) as CustomResource;
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw kubeError(`get ${plural}/${name} in ${namespace}`, e);
    }
  }

  /** Merge-patches `status` through the status subresource (spec cannot change this way). */
  async patchStatus(plural: string, namespace: string, name: string, status: Record<string, unknown>, api: ApiRef = NACK_API): Promise<void> {
    await this.custom.patchNamespacedCustomObjectStatus({ ...api, plural, namespace, name, body: { status } }, MERGE);
  }

  /**
   * Sets the finalizers, guarded by the resourceVersion they were computed from (a conflict means
   * someone else changed the object: re-read and decide again). Only metadata is sent.
   */
  async setFinalizers(plural: string, obj: CustomResource, finalizers: string[]): Promise<void> {
    const body = { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } };
    await this.custom.patchNamespacedCustomObject({ ...NACK_API, plural, namespace: obj.metadata.namespace, name: obj.metadata.name, body }, MERGE);
  }

  async readSecret(namespace: string, name: string): Promise<Record<string, Buffer>> {
    try {
      const s = await this.core.readNamespacedSecret({ namespace, name });
      return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
    } catch (e) {
      throw kubeError(`read Secret ${name} in ${namespace}`, e);
    }
  }

  async listEvents(namespace: string, fieldSelector?: string): Promise<CoreV1Event[]> {
    return (await this.core.listNamespacedEvent({ namespace, fieldSelector })).items;
  }

  async createEvent(namespace: string, event: CoreV1Event): Promise<CoreV1Event> {
    return this.core.createNamespacedEvent({ namespace, body: event });
  }

  async patchEvent(namespace: string, name: string, body: Record<string, unknown>): Promise<void> {
    await this.core.patchNamespacedEvent({ namespace, name, body }, MERGE);
  }

  async getLease(namespace: string, name: string): Promise<V1Lease | undefined> {
    try {
      return await this.coordination.readNamespacedLease({ namespace, name });
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw e;
    }
  }

  async createLease(namespace: string, lease: V1Lease): Promise<V1Lease> {
    return this.coordination.createNamespacedLease({ namespace, body: lease });
  }

  /** Replaces the Lease; fails with 409 when its resourceVersion is no longer current. */
  async replaceLease(namespace: string, lease: V1Lease): Promise<V1Lease> {
    return this.coordination.replaceNamespacedLease({ namespace, name: lease.metadata!.name!, body: lease });
  }

  /** A token for a ServiceAccount (TokenRequest), e.g. to run the controller with exactly the chart's RBAC. */
  async serviceAccountToken(namespace: string, name: string, seconds = 3600): Promise<string> {
    const r = await this.core.createNamespacedServiceAccountToken({ namespace, name, body: { spec: { audiences: [], expirationSeconds: seconds } } });
    return r.status?.token ?? '';
  }

  /** Creates any object (dryRun: the server validates, admits and defaults it, and stores nothing). */
  async create<T extends KubernetesObject>(obj: T, opts: { dryRun?: boolean } = {}): Promise<T> {
    return this.objects.create(obj, undefined, opts.dryRun ? 'All' : undefined, 'jetkeeper');
  }

  /** Creates the object, or replaces it when it exists (as `kubectl apply` would for a first apply). */
  async upsert<T extends KubernetesObject>(obj: T): Promise<T> {
    try {
      return await this.objects.create(obj, undefined, undefined, 'jetkeeper');
    } catch (e) {
      if (httpStatus(e) !== 409) throw e;
      const live = await this.objects.read({ apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace } });
      return this.objects.replace({ ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata?.resourceVersion } });
    }
  }

  async read<T = KubernetesObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return (await this.objects.read({ apiVersion, kind, metadata: { name, namespace } })) as unknown as T;
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw e;
    }
  }

  async delete(obj: KubernetesObject): Promise<void> {
    try {
      await this.objects.delete(obj);
    } catch (e) {
      if (httpStatus(e) !== 404) throw e;
    }
  }

  /**
   * Whether the API serves `kind` in `apiVersion` (discovery, allowed to every authenticated user);
   * false when the group version is not served at all (404).
   */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      return await this.discovery.serves(apiVersion, kind);
    } catch (e) {
      if (httpStatus(e) === 404) return false;
      throw e;
    }
  }

  /** The API server of the current context (for messages). */
  server(): string {
    return this.config.getCurrentCluster()?.server ?? '';
  }

  /**
   * Merge-patches the status subresource of a built-in workload object (tests: stand in for the
   * controllers a bare API server does not run, e.g. a StatefulSet's readyReplicas or a PVC's phase).
   */
  async patchBuiltinStatus(kind: 'StatefulSet' | 'Deployment' | 'PersistentVolumeClaim' | 'Pod', namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    const req = { namespace, name, body: { status } };
    if (kind === 'StatefulSet') await this.apps.patchNamespacedStatefulSetStatus(req, MERGE);
    else if (kind === 'Deployment') await this.apps.patchNamespacedDeploymentStatus(req, MERGE);
    else if (kind === 'PersistentVolumeClaim') await this.core.patchNamespacedPersistentVolumeClaimStatus(req, MERGE);
    else await this.core.patchNamespacedPodStatus(req, MERGE);
  }

  /** Merge-patches an object's main resource (tests: change a spec as a user would). */
  async mergePatch<T extends KubernetesObject>(obj: T): Promise<T> {
    return this.objects.patch(obj, undefined, undefined, 'jetkeeper', undefined, PatchStrategy.MergePatch);
  }
}
