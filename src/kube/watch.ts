/**
 * List-then-watch of one custom resource plural (in one namespace or all), with the client's
 * informer: it lists, watches from the list's resourceVersion, and lists again when the API
 * server answers 410 Gone (the resourceVersion is too old). A watch that fails otherwise (the API
 * server restarts, a network error) is started again with capped backoff, which re-lists.
 */
import { makeInformer, type Informer, type ObjectCache } from '@kubernetes/client-node';
import type { CustomResource, KubeClient } from './client.js';
import { NACK_API, type ApiRef } from './crds.js';

export interface WatchHandlers {
  upsert(obj: CustomResource): void;
  remove(obj: CustomResource): void;
  /** the first complete list arrived (called once) */
  synced?(): void;
  /** the watch failed and is being restarted (for logs and readiness) */
  error?(e: unknown): void;
}

export interface ResourceWatch {
  readonly plural: string;
  /** the watch is connected (false between a failure and the next successful list) */
  healthy(): boolean;
  list(): readonly CustomResource[];
  stop(): Promise<void>;
}

const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

/** Starts watching `plural`; resolves once the first list is in. */
export async function watchResources(client: KubeClient, plural: string, namespace: string | undefined, h: WatchHandlers, api: ApiRef = NACK_API): Promise<ResourceWatch> {
  const base = `/apis/${api.group}/${api.version}`;
  const path = namespace ? `${base}/namespaces/${namespace}/${plural}` : `${base}/${plural}`;
  let healthy = false;
  let stopped = false;
  let synced = false;
  let backoff = BACKOFF_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  // the informer applies a list's items right after the list resolves, synchronously: setImmediate runs after that
  const listed = () => setImmediate(() => {
    healthy = true;
    backoff = BACKOFF_MIN_MS;
    if (!synced) { synced = true; h.synced?.(); }
  });
  const list = async () => { const l = await client.listResources(plural, namespace, api); listed(); return l; };
  const informer: Informer<CustomResource> & ObjectCache<CustomResource> = makeInformer(client.config, path, list);
  informer.on('add', (o) => h.upsert(o));
  informer.on('update', (o) => h.upsert(o));
  informer.on('delete', (o) => h.remove(o));
  informer.on('error', (e: unknown) => {
    healthy = false;
    h.error?.(e);
    if (stopped) return;
    timer = setTimeout(() => { informer.start().catch((err: unknown) => h.error?.(err)); }, backoff);
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
  });
  await informer.start();
  await new Promise((r) => setImmediate(r));
  return {
    plural,
    healthy: () => healthy && !stopped,
    list: () => informer.list(namespace),
    stop: async () => { stopped = true; if (timer) clearTimeout(timer); await informer.stop(); },
  };
}
