/**
 * The Kubernetes reader of `jetkeeper doctor`: lists what the pure Kubernetes checks of
 * src/metrics/doctor.ts need and hands it over as KubeFacts. It never throws: a refused list is
 * an access error naming the verb and resource (its checks are skipped), an API server that does
 * not answer or rejects the credentials is a failure, and the caller turns both into findings.
 *
 * Defaults follow the official NATS Helm chart (nats-io/k8s, helm/charts/nats): its StatefulSet
 * carries app.kubernetes.io/name=nats (with instance and component=nats; the nats-box Deployment
 * shares the name label, so pods are found through each StatefulSet's own selector), and its
 * JetStream volume claim template is `<fullname>-js`, so claims are `<template>-<sts>-<ordinal>`.
 */
import type { V1Deployment, V1LabelSelector, V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget, V1StatefulSet } from '@kubernetes/client-node';
import type { KubeAccessError, KubeFacts } from '../metrics/doctor.js';
import { httpStatus, type KubeClient } from './client.js';
import { allCrds } from './crds.js';

/** The label the NATS Helm chart puts on its StatefulSet (and its pods). */
export const NATS_SELECTOR = 'app.kubernetes.io/name=nats';
/** The label jetkeeper's Helm chart puts on the controller Deployment. */
export const CONTROLLER_SELECTOR = 'app.kubernetes.io/name=jetkeeper';

export interface KubeFactsOptions {
  /** default: the kubeconfig context's namespace */
  namespace?: string;
  /** label selector of the NATS StatefulSets (default NATS_SELECTOR) */
  selector?: string;
  /** label selector of the controller Deployment (default CONTROLLER_SELECTOR) */
  controllerSelector?: string;
  /** per API call (default 10 s) */
  timeoutMs?: number;
}

interface Ctx { client: KubeClient; namespace: string; timeoutMs: number; errors: KubeAccessError[] }

/** A label selector object as the string form of `?labelSelector=` (matchLabels and matchExpressions). */
export function selectorString(s: V1LabelSelector | undefined): string {
  const labels = Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const exprs = (s?.matchExpressions ?? []).map((e) => {
    if (e.operator === 'Exists') return e.key;
    if (e.operator === 'DoesNotExist') return `!${e.key}`;
    return `${e.key} ${e.operator === 'NotIn' ? 'notin' : 'in'} (${(e.values ?? []).join(',')})`;
  });
  return [...labels, ...exprs].join(',');
}

/** Whether a label selector object selects these labels (policy/v1: an empty selector selects every pod, an absent one none). */
export function selects(s: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!s) return false;
  const byLabels = Object.entries(s.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return byLabels && (s.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    const inValues = has && (e.values ?? []).includes(labels[e.key]);
    return e.operator === 'In' ? inValues : !inValues;
  });
}

/** The claims a StatefulSet's volumeClaimTemplates create: `<template>-<sts>-<ordinal>`. */
export function claimOf(sts: V1StatefulSet, claim: string): boolean {
  const name = sts.metadata?.name ?? '';
  return (sts.spec?.volumeClaimTemplates ?? []).some((t) => {
    const prefix = `${t.metadata?.name ?? ''}-${name}-`;
    return claim.startsWith(prefix) && /^\d+$/.test(claim.slice(prefix.length));
  });
}

class Timeout extends Error {}

async function timed<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

function errorMessage(e: unknown): string {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return String((JSON.parse(body) as { message?: unknown }).message ?? '').slice(0, 300);
    } catch {
      return body.slice(0, 200);
    }
  }
  return String((e as Error)?.message ?? e).split('\n')[0].slice(0, 300);
}

/** A failure of the whole read: no answer (status 0) or rejected credentials (401). */
class Unreadable extends Error {
  constructor(readonly what: 'unreachable' | 'unauthorized', message: string) { super(message); }
}

/** One list call: its items, or undefined with the refusal recorded (403, 404, ...); no answer or 401 aborts the read. */
async function list<T>(ctx: Ctx, resource: string, namespace: string | undefined, call: () => Promise<{ items: T[] }>): Promise<T[] | undefined> {
  try {
    return (await timed(call(), ctx.timeoutMs)).items;
  } catch (e) {
    const status = httpStatus(e);
    if (status === 0 || e instanceof Timeout) throw new Unreadable('unreachable', errorMessage(e));
    if (status === 401) throw new Unreadable('unauthorized', errorMessage(e));
    ctx.errors.push({ verb: 'list', resource, ...(namespace ? { namespace } : {}), status, message: errorMessage(e) });
    return undefined;
  }
}

function podReady(p: V1Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

async function podsOf(ctx: Ctx, sets: V1StatefulSet[]): Promise<V1Pod[] | undefined> {
  const out: V1Pod[] = [];
  for (const s of sets) {
    const labelSelector = selectorString(s.spec?.selector);
    if (!labelSelector) continue;
    const pods = await list(ctx, 'pods', ctx.namespace, () => ctx.client.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector }));
    if (!pods) return undefined;
    out.push(...pods.filter((p) => !out.some((q) => q.metadata?.name === p.metadata?.name)));
  }
  return out;
}

async function claimsOf(ctx: Ctx, sets: V1StatefulSet[]): Promise<V1PersistentVolumeClaim[] | undefined> {
  if (!sets.some((s) => s.spec?.volumeClaimTemplates?.length)) return [];
  const all = await list(ctx, 'persistentvolumeclaims', ctx.namespace, () => ctx.client.core.listNamespacedPersistentVolumeClaim({ namespace: ctx.namespace }));
  return all?.filter((c) => sets.some((s) => claimOf(s, c.metadata?.name ?? '')));
}

async function budgetsOf(ctx: Ctx, sets: V1StatefulSet[], pods: V1Pod[]): Promise<V1PodDisruptionBudget[] | undefined> {
  const all = await list(ctx, 'poddisruptionbudgets.policy', ctx.namespace, () => ctx.client.policy.listNamespacedPodDisruptionBudget({ namespace: ctx.namespace }));
  const labelSets = [...sets.map((s) => s.spec?.template?.metadata?.labels ?? {}), ...pods.map((p) => p.metadata?.labels ?? {})];
  return all?.filter((b) => labelSets.some((l) => selects(b.spec?.selector, l)));
}

/** The controller Deployment: cluster-wide, or in the namespace when a cluster-wide list is refused. */
async function controllerOf(ctx: Ctx, labelSelector: string): Promise<KubeFacts['controller']> {
  const before = ctx.errors.length;
  let found = await list(ctx, 'deployments.apps', undefined, () => ctx.client.apps.listDeploymentForAllNamespaces({ labelSelector }));
  if (!found) found = await list(ctx, 'deployments.apps', ctx.namespace, () => ctx.client.apps.listNamespacedDeployment({ namespace: ctx.namespace, labelSelector }));
  if (!found) return undefined;
  ctx.errors.splice(before);
  const d: V1Deployment | undefined = found[0];
  if (!d) return { ready: false, found: false };
  const readyReplicas = d.status?.readyReplicas ?? 0;
  return { ready: readyReplicas >= 1, found: true, name: d.metadata?.name, namespace: d.metadata?.namespace, replicas: d.spec?.replicas ?? 1, readyReplicas };
}

/** Whether the API serves each CRD jetkeeper uses (API discovery: needs no RBAC beyond system:discovery). */
async function crdsOf(ctx: Ctx): Promise<NonNullable<KubeFacts['crds']>> {
  const out: NonNullable<KubeFacts['crds']> = [];
  for (const crd of allCrds()) {
    const spec = crd.spec as { group: string; names: { kind: string; plural: string }; versions: { name: string }[] };
    const apiVersion = `${spec.group}/${spec.versions[0].name}`;
    let installed: boolean;
    try {
      installed = await timed(ctx.client.serves(apiVersion, spec.names.kind), ctx.timeoutMs);
    } catch (e) {
      const status = httpStatus(e);
      if (status === 0 || e instanceof Timeout) throw new Unreadable('unreachable', errorMessage(e));
      if (!ctx.errors.some((x) => x.resource === `/apis/${apiVersion}`)) ctx.errors.push({ verb: 'get', resource: `/apis/${apiVersion}`, status, message: errorMessage(e) });
      continue;
    }
    out.push({ name: `${spec.names.plural}.${spec.group}`, installed });
  }
  return out;
}

function workloadFacts(sets: V1StatefulSet[], pods: V1Pod[] | undefined, claims: V1PersistentVolumeClaim[] | undefined, budgets: V1PodDisruptionBudget[] | undefined): Pick<KubeFacts, 'statefulSets' | 'pods' | 'pvcs' | 'pdbs'> {
  return {
    statefulSets: sets.map((s) => ({ name: s.metadata?.name ?? '', replicas: s.spec?.replicas ?? 1, ready: s.status?.readyReplicas ?? 0 })),
    pods: (pods ?? []).map((p) => ({ name: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '', ready: podReady(p) })),
    pvcs: (claims ?? []).map((c) => ({ name: c.metadata?.name ?? '', phase: c.status?.phase ?? 'Pending' })),
    pdbs: (budgets ?? []).map((b) => ({ name: b.metadata?.name ?? '' })),
  };
}

async function read(ctx: Ctx, selector: string, controllerSelector: string): Promise<KubeFacts> {
  const { client, namespace } = ctx;
  const sets = await list(ctx, 'statefulsets.apps', namespace, () => client.apps.listNamespacedStatefulSet({ namespace, labelSelector: selector }));
  const pods = sets && await podsOf(ctx, sets);
  const claims = sets && await claimsOf(ctx, sets);
  const budgets = sets && await budgetsOf(ctx, sets, pods ?? []);
  const unread: NonNullable<KubeFacts['unread']> = [];
  if (!sets) unread.push('statefulSets', 'pods', 'pvcs', 'pdbs');
  else for (const [k, v] of [['pods', pods], ['pvcs', claims], ['pdbs', budgets]] as const) if (!v) unread.push(k);
  const controller = await controllerOf(ctx, controllerSelector);
  const crds = await crdsOf(ctx);
  return {
    ...workloadFacts(sets ?? [], pods, claims, budgets), scope: { namespace, selector },
    ...(controller ? { controller } : {}), crds, ...(unread.length ? { unread } : {}), ...(ctx.errors.length ? { accessErrors: ctx.errors } : {}),
  };
}

/** Reads the facts of the Kubernetes layer; never throws (failures and refusals are facts too). */
export async function readKubeFacts(client: KubeClient, opts: KubeFactsOptions = {}): Promise<KubeFacts> {
  const namespace = opts.namespace || client.defaultNamespace();
  const selector = opts.selector || NATS_SELECTOR;
  const ctx: Ctx = { client, namespace, timeoutMs: opts.timeoutMs ?? 10_000, errors: [] };
  try {
    return await read(ctx, selector, opts.controllerSelector || CONTROLLER_SELECTOR);
  } catch (e) {
    const what = e instanceof Unreadable ? e.what : 'unreachable';
    return { statefulSets: [], pvcs: [], pods: [], pdbs: [], scope: { namespace, selector }, failure: { what, where: client.server(), message: errorMessage(e) } };
  }
}
