/**
 * The Kubernetes source: NACK's `jetstream.nats.io/v1beta2` custom resources (Stream, Consumer,
 * KeyValue, ObjectStore, Account), watched in one namespace or all, as controller items.
 *
 * - Each CR is validated with the same schemas as files; an invalid one is an item with errors
 *   (Ready=False InvalidManifest naming the field), and nothing on the server is touched.
 * - Policy comes from annotations: `jetkeeper.io/deletion-policy: delete|orphan`,
 *   `jetkeeper.io/managed: "false"` (observe only), `jetkeeper.io/allow-replace: "true"`,
 *   `jetkeeper.io/adopt: "true"`, and `spec.preventDelete`.
 * - A finalizer (`jetkeeper.io/finalizer`) holds a deleted CR until the controller deleted or
 *   orphaned its asset; the controller's removal timeout orphans it (with an Event) when NATS is
 *   gone, so a CR is never stuck in Terminating. NACK's finalizers are dropped with ours.
 * - Status goes through the status subresource, only when it changed; spec is never written.
 * - Events are core/v1 Events, deduplicated (count bumps).
 */
import { JkError } from '../../errors.js';
import { KubeClient, kubeError, httpStatus, type CustomResource } from '../../kube/client.js';
import { EventRecorder } from '../../kube/events.js';
import { watchResources, type ResourceWatch } from '../../kube/watch.js';
import { parseManifests } from '../../manifests/load.js';
import { validateDocuments, type Resource } from '../../manifests/validate.js';
import type { ConnectionSettings } from '../../nats/settings.js';
import { API_VERSION, KINDS } from '../../resources/index.js';
import type { BackupPolicyStatus, ControllerSource, EventReason, EventType, ItemPolicy, ItemStatus, SourceItem, SourceSink } from '../source.js';
import { AccountResolver, ownLayer } from './kubernetes-accounts.js';
import { PolicyWatch } from './kubernetes-policies.js';
import { crStatus, statusChanged } from './kubernetes-status.js';

export const FINALIZER = 'jetkeeper.io/finalizer';
/** NACK's finalizers: a cluster switching from NACK has them on its CRs; they go with ours so a delete never hangs. */
export const NACK_FINALIZERS = ['stream.nats.io/finalizer', 'consumer.nats.io/finalizer', 'kv.nats.io/finalizer', 'objectstore.nats.io/finalizer', 'account.nats.io/finalizer'];
export const ANNOTATIONS = {
  deletionPolicy: 'jetkeeper.io/deletion-policy',
  managed: 'jetkeeper.io/managed',
  allowReplace: 'jetkeeper.io/allow-replace',
  adopt: 'jetkeeper.io/adopt',
} as const;

export interface KubernetesSourceOptions {
  /** a client already made (tests), else one is loaded from `kubeconfig` / in-cluster / the default kubeconfig */
  client?: KubeClient;
  kubeconfig?: string;
  inCluster?: boolean;
  /** watch only this namespace; absent with allNamespaces: every namespace; absent without: the kubeconfig's namespace */
  namespace?: string;
  allNamespaces?: boolean;
  /** the controller's default connection: Accounts and the resources' own fields overlay it */
  connection: ConnectionSettings;
  /** ownership tag of the controller (the controller uses it; accepted here for the factory's shape) */
  owner?: string;
  /** change nothing on NATS: no finalizers are added either (a delete is never held) */
  readOnly?: boolean;
  /** for removals: after this long without reaching NATS, orphan the asset (with an Event) and release the CR (default: the controller's) */
  removalTimeoutMs?: number;
  /** diagnostics (never given secrets) */
  log?: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

/** Plurals in the order they are watched: Accounts first, as the others' connections depend on them. */
const PLURALS = ['accounts', 'streams', 'consumers', 'keyvalues', 'objectstores'];
const kindOfPlural = (plural: string) => KINDS.find((k) => k.plural === plural)!;

export function itemKey(obj: CustomResource, plural: string): string {
  return `${obj.metadata.namespace}/${plural}/${obj.metadata.name}`;
}

function flag(obj: CustomResource, name: string, errors: JkError[], fallback: boolean): boolean {
  const v = obj.metadata.annotations?.[name];
  if (v === undefined) return fallback;
  if (v === 'true' || v === 'false') return v === 'true';
  errors.push(badAnnotation(obj, name, v, '"true" or "false"'));
  return fallback;
}

function badAnnotation(obj: CustomResource, name: string, value: string, allowed: string): JkError {
  return new JkError('JK5054', {
    message: `annotation ${name} is ${JSON.stringify(value)}; it must be ${allowed}`,
    resource: `${obj.kind}/${obj.metadata.name}`,
    field: `metadata.annotations["${name}"]`,
    fix: `set ${name} to ${allowed}, or remove it for the default`,
  });
}

/** The item's policy from its annotations and spec.preventDelete; bad annotation values are errors. */
export function policyOf(obj: CustomResource, errors: JkError[]): ItemPolicy {
  const dp = obj.metadata.annotations?.[ANNOTATIONS.deletionPolicy];
  if (dp !== undefined && dp !== 'delete' && dp !== 'orphan') errors.push(badAnnotation(obj, ANNOTATIONS.deletionPolicy, dp, '"delete" or "orphan"'));
  return {
    deletion: dp === 'orphan' ? 'orphan' : 'delete',
    managed: flag(obj, ANNOTATIONS.managed, errors, true),
    allowReplace: flag(obj, ANNOTATIONS.allowReplace, errors, false),
    adopt: flag(obj, ANNOTATIONS.adopt, errors, false),
    preventDelete: obj.spec?.preventDelete === true,
  };
}

/** Validates a CR with the manifest schemas; errors point at `namespace/plural/name` and the field. */
export function validateObject(obj: CustomResource, plural: string): { resource?: Resource; errors: JkError[] } {
  const doc = { apiVersion: API_VERSION, kind: kindOfPlural(plural).kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace }, spec: obj.spec ?? {} };
  try {
    const docs = parseManifests(JSON.stringify(doc, null, 1), `${obj.metadata.namespace}/${plural}/${obj.metadata.name}`);
    const r = validateDocuments(docs, { references: 'warning' });
    // positions in the JSON written here mean nothing to a user: the resource and the field say where
    const errors = r.errors.map((e) => new JkError(e.code, { message: e.message, fix: e.fix, resource: e.resource, field: e.field, transient: e.transient, option: e.option }));
    return { resource: errors.length ? undefined : r.resources[0], errors };
  } catch (e) {
    return { errors: [e instanceof JkError ? e : new JkError('JK1005', { message: String((e as Error).message), resource: `${doc.kind}/${obj.metadata.name}` })] };
  }
}

/** The stream or bucket a CR manages, for the status and the rename check. */
export function assetName(obj: CustomResource, plural: string): string | undefined {
  const s = obj.spec ?? {};
  const v = plural === 'streams' ? s.name : plural === 'consumers' ? `${String(s.streamName)}/${String(s.durableName)}` : plural === 'keyvalues' || plural === 'objectstores' ? s.bucket : undefined;
  return typeof v === 'string' ? v : undefined;
}

export class KubernetesSource implements ControllerSource {
  readonly name: string;
  private readonly client: KubeClient;
  private readonly events: EventRecorder;
  private readonly accounts: AccountResolver;
  private readonly watches: ResourceWatch[] = [];
  private readonly objects = new Map<string, { obj: CustomResource; plural: string }>();
  /** keys whose removal was handed to the controller (and not finished) */
  private readonly removing = new Set<string>();
  /** asset name per key, to notice a renamed spec.name */
  private readonly assets = new Map<string, string>();
  /** generation and annotations last offered per key */
  private readonly offered = new Map<string, string>();
  private sink?: SourceSink;
  private readonly namespace?: string;
  private readonly policies: PolicyWatch;

  constructor(private readonly opts: KubernetesSourceOptions) {
    if (opts.namespace && opts.allNamespaces) {
      throw new JkError('JK5056', { message: '`namespace` and `allNamespaces` exclude each other', option: 'namespace', fix: 'give one namespace, or every namespace, not both' });
    }
    this.client = opts.client ?? KubeClient.load({ kubeconfig: opts.kubeconfig, inCluster: opts.inCluster });
    this.namespace = opts.allNamespaces ? undefined : (opts.namespace ?? this.client.defaultNamespace());
    this.name = `kubernetes:${this.namespace ?? '*'}`;
    this.events = new EventRecorder(this.client);
    this.accounts = new AccountResolver(this.client, opts.connection);
    this.policies = new PolicyWatch(this.client, this.namespace, (level, msg) => this.log(level, msg));
  }

  private log(level: 'info' | 'warn', msg: string): void {
    this.opts.log?.[level]({ source: this.name }, msg);
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    let pending = PLURALS.length;
    const synced = () => { if (--pending === 0) sink.synced(); };
    for (const plural of PLURALS) {
      const w = await watchResources(this.client, plural, this.namespace, {
        upsert: (o) => this.onUpsert(o, plural),
        remove: (o) => this.onRemove(o, plural),
        synced,
        error: (e) => this.log('warn', `watch of ${plural} failed, restarting: ${kubeError('watch', e).message}`),
      });
      this.watches.push(w);
    }
    await this.policies.start(sink);
  }

  async stop(): Promise<void> {
    await Promise.all(this.watches.map((w) => w.stop()));
    await this.policies.stop();
    this.accounts.close();
  }

  ready(): boolean {
    return this.watches.length === PLURALS.length && this.watches.every((w) => w.healthy()) && this.policies.healthy();
  }

  reportBackupPolicy(key: string, status: BackupPolicyStatus): Promise<void> {
    return this.policies.report(key, status);
  }

  private onUpsert(obj: CustomResource, plural: string): void {
    const key = itemKey(obj, plural);
    this.objects.set(key, { obj, plural });
    if (obj.metadata.deletionTimestamp && plural !== 'accounts') { this.onDeleting(key, obj, plural); return; }
    // a status write bumps resourceVersion only: nothing the controller needs again
    const signature = JSON.stringify([obj.metadata.generation, obj.metadata.annotations ?? {}, (obj.metadata.finalizers ?? []).includes(FINALIZER)]);
    if (this.offered.get(key) === signature) return;
    this.offered.set(key, signature);
    if (plural === 'accounts') { this.onAccount(obj); return; }
    void this.ensureFinalizer(obj, plural).then(() => this.offer(key, obj, plural));
  }

  /** An Account changed: every resource of its namespace that names it is offered again (new connection). */
  private onAccount(account: CustomResource): void {
    const ns = account.metadata.namespace;
    for (const [key, { obj, plural }] of this.objects) {
      if (plural !== 'accounts' && obj.metadata.namespace === ns && obj.spec?.account === account.metadata.name && !obj.metadata.deletionTimestamp) void this.offer(key, obj, plural);
    }
    void this.reportAccount(account);
  }

  private async reportAccount(account: CustomResource): Promise<void> {
    const errors: JkError[] = [];
    const { errors: invalid } = validateObject(account, 'accounts');
    errors.push(...invalid);
    if (!errors.length) await this.accounts.connectionFor(account, undefined).catch((e: unknown) => errors.push(e as JkError));
    const status: ItemStatus = {
      ready: !errors.length,
      reason: errors.length ? 'InvalidManifest' : 'InSync',
      message: errors.length ? errors.map(errorText).join('; ') : 'connection settings resolved (Secrets readable)',
      observedGeneration: account.metadata.generation ?? 0,
      lastTransitionTime: new Date().toISOString(),
    };
    await this.report(itemKey(account, 'accounts'), status);
  }

  /** Builds the item (validation, policy, connection) and hands it to the controller. */
  private async offer(key: string, obj: CustomResource, plural: string): Promise<void> {
    const item = await this.item(key, obj, plural);
    this.noticeRename(key, obj, plural);
    this.sink?.upsert(item);
  }

  async item(key: string, obj: CustomResource, plural: string): Promise<SourceItem> {
    const errors: JkError[] = [];
    const policy = policyOf(obj, errors);
    const { resource, errors: invalid } = validateObject(obj, plural);
    errors.push(...invalid);
    const base = { key, generation: obj.metadata.generation ?? 1, policy, origin: `${obj.metadata.namespace}/${plural}/${obj.metadata.name}` };
    if (errors.length || !resource) return { ...base, errors };
    try {
      const accountName = obj.spec?.account;
      const account = typeof accountName === 'string' && accountName ? this.findAccount(obj, accountName) : undefined;
      const connection = await this.accounts.connectionFor(account, ownLayer(resource.kind, resource.name, obj.spec ?? {}));
      return { ...base, resource: { ...resource, namespace: obj.metadata.namespace }, connection };
    } catch (e) {
      return { ...base, errors: [e instanceof JkError ? e : kubeError('resolve the connection', e)] };
    }
  }

  private findAccount(obj: CustomResource, name: string): CustomResource {
    const found = this.objects.get(`${obj.metadata.namespace}/accounts/${name}`);
    if (found && !found.obj.metadata.deletionTimestamp) return found.obj;
    throw new JkError('JK5053', {
      message: `spec.account names Account "${name}", which does not exist in namespace ${obj.metadata.namespace}`,
      resource: `${obj.kind}/${obj.metadata.name}`,
      field: 'spec.account',
      fix: `create Account ${name} in namespace ${obj.metadata.namespace}, or remove spec.account`,
    });
  }

  /** spec.name (or bucket, stream/durable) changed: the old asset is left alone and the change is told in an Event. */
  private noticeRename(key: string, obj: CustomResource, plural: string): void {
    const now = assetName(obj, plural);
    const before = this.assets.get(key);
    if (now) this.assets.set(key, now);
    if (!before || !now || before === now) return;
    void this.event(key, 'Warning', 'Orphaned', `the asset name changed from ${before} to ${now}: ${before} is left on the server as it is (orphaned, not deleted); ${now} is managed from now on. Delete ${before} by hand when its data is no longer needed`);
  }

  private async ensureFinalizer(obj: CustomResource, plural: string): Promise<void> {
    const list = obj.metadata.finalizers ?? [];
    if (list.includes(FINALIZER) || this.opts.readOnly) return;
    try {
      await this.client.setFinalizers(plural, obj, [...list, FINALIZER]);
    } catch (e) {
      // 409: the object changed meanwhile; the watch brings the new version and we try again then
      if (httpStatus(e) !== 409) this.log('warn', kubeError(`add the finalizer to ${itemKey(obj, plural)}`, e).message);
    }
  }

  /** A CR being deleted: the controller deletes or orphans the asset; the finalizers go when it is done. */
  private onDeleting(key: string, obj: CustomResource, plural: string): void {
    const ours = (obj.metadata.finalizers ?? []).some((f) => f === FINALIZER || NACK_FINALIZERS.includes(f));
    if (!ours || this.removing.has(key)) return;
    this.removing.add(key);
    this.sink?.remove(key, {
      timeoutMs: this.opts.removalTimeoutMs,
      done: (r) => { void this.release(key, plural, obj, r.message); },
    });
  }

  /** Drops our (and NACK's) finalizer from the current version of the CR. */
  private async release(key: string, plural: string, obj: CustomResource, message: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const live = await this.client.getResource(plural, obj.metadata.namespace, obj.metadata.name).catch(() => undefined);
      if (!live) break;
      const keep = (live.metadata.finalizers ?? []).filter((f) => f !== FINALIZER && !NACK_FINALIZERS.includes(f));
      try {
        await this.client.setFinalizers(plural, live, keep);
        this.log('info', `${key}: released (${message})`);
        break;
      } catch (e) {
        if (httpStatus(e) !== 409) { this.log('warn', kubeError(`remove the finalizer of ${key}`, e).message); break; }
      }
    }
    this.removing.delete(key);
  }

  private onRemove(obj: CustomResource, plural: string): void {
    const key = itemKey(obj, plural);
    this.objects.delete(key);
    this.assets.delete(key);
    this.offered.delete(key);
    if (plural === 'accounts') return;
    // gone without our finalizer (never added, or removed by hand): the controller decides per the last policy
    if (!this.removing.has(key) && !(obj.metadata.finalizers ?? []).includes(FINALIZER)) this.sink?.remove(key, { timeoutMs: this.opts.removalTimeoutMs });
  }

  async report(key: string, status: ItemStatus): Promise<void> {
    const entry = this.objects.get(key);
    if (!entry) return;
    const { obj, plural } = entry;
    const next = crStatus(status, obj.status, assetName(obj, plural));
    if (!statusChanged(obj.status, next)) return;
    try {
      await this.client.patchStatus(plural, obj.metadata.namespace, obj.metadata.name, next as unknown as Record<string, unknown>);
      obj.status = next as unknown as Record<string, unknown>;
    } catch (e) {
      if (httpStatus(e) !== 404) this.log('warn', kubeError(`write the status of ${key}`, e).message);
    }
  }

  async event(key: string, type: EventType, reason: EventReason, message: string): Promise<void> {
    const entry = this.objects.get(key);
    if (!entry) return;
    try {
      await this.events.record({ obj: entry.obj, type, reason, message });
    } catch (e) {
      this.log('warn', kubeError(`record an event for ${key}`, e).message);
    }
  }
}

function errorText(e: JkError): string {
  return [e.code, [e.resource, e.field].filter(Boolean).join(' '), e.message, e.fix ? `(fix: ${e.fix})` : ''].filter(Boolean).join(' ');
}

/** The Kubernetes source for the controller (`jetkeeper controller --source kubernetes`). */
export function createKubernetesSource(options: KubernetesSourceOptions): KubernetesSource {
  return new KubernetesSource(options);
}
