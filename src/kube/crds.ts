/**
 * The five `jetstream.nats.io/v1beta2` CustomResourceDefinitions, generated from the same zod
 * schemas as validation (through the JSON Schema of src/manifests/jsonschema.ts), with NACK's
 * names, group and version. The OpenAPI v3 schema is made structural (every node typed, no
 * anyOf/const/propertyNames/additionalProperties:false), and jetkeeper adds printer columns
 * (Ready, Reason, Stream, Age), the status subresource and a live summary in the status.
 * Pure: no I/O. Checked in under deploy/crds/ and in the Helm chart; a test fails on drift.
 */
import { stringify } from 'yaml';
import { z } from 'zod';
import { backupPolicySpec } from '../backup/policy-schema.js';
import { manifestJsonSchema, type JsonSchema } from '../manifests/jsonschema.js';
import { KINDS } from '../resources/index.js';
import type { KindName } from '../resources/kind.js';

export const CRD_GROUP = 'jetstream.nats.io';
export const CRD_VERSION = 'v1beta2';

/** Where a kind's objects live in the API: NACK's group, or jetkeeper's own (BackupPolicy). */
export interface ApiRef { group: string; version: string }
export const NACK_API: ApiRef = { group: CRD_GROUP, version: CRD_VERSION };
export const POLICY_API: ApiRef = { group: 'jetstream.jetkeeper.io', version: 'v1alpha1' };
export const POLICY_PLURAL = 'backuppolicies';

/** NACK's short names, kept so `kubectl get kv` works as before. */
const SHORT_NAMES: Partial<Record<KindName, string[]>> = { KeyValue: ['kv'], ObjectStore: ['obj'] };
/** The spec field that names the JetStream asset, for the Stream column. */
const STREAM_FIELD: Partial<Record<KindName, string>> = { Stream: '.spec.name', Consumer: '.spec.streamName', KeyValue: '.spec.bucket', ObjectStore: '.spec.bucket' };

const DROP = new Set(['$schema', '$id', 'title', 'propertyNames', 'const']);

/** The JSON Schema branches of an anyOf collapsed into one structural node (all branches share one type). */
function collapseAnyOf(node: JsonSchema): JsonSchema {
  const branches = node.anyOf as JsonSchema[];
  const { anyOf: _drop, ...rest } = node;
  const types = [...new Set(branches.map((b) => b.type))];
  if (types.length === 1 && typeof types[0] === 'string') return structural({ ...rest, type: types[0] });
  if (types.every((t) => t === 'string' || t === 'integer')) return structural({ ...rest, 'x-kubernetes-int-or-string': true });
  return { ...structural(rest), type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
}

/** One JSON Schema node as a structural OpenAPI v3 schema node. */
export function structural(node: JsonSchema): JsonSchema {
  if (Array.isArray(node.anyOf)) return collapseAnyOf(node);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROP.has(key)) continue;
    if (key === 'additionalProperties') {
      if (value && typeof value === 'object') out[key] = structural(value as JsonSchema);
      continue;
    }
    if (key === 'properties') out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, structural(v)]));
    else if (key === 'items') out[key] = structural(value as JsonSchema);
    else out[key] = value;
  }
  if (node.const !== undefined && !out.enum) out.enum = [node.const];
  if (!out.type && !out['x-kubernetes-int-or-string']) out.type = typeof node.const === 'string' ? 'string' : 'object';
  if (out.type === 'object' && !out.properties && !out.additionalProperties) out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

const condition: JsonSchema = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    observedGeneration: { type: 'integer', format: 'int64' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    reason: { type: 'string' },
    message: { type: 'string' },
  },
};

const count = { type: 'integer', format: 'int64' };

/** The status jetkeeper writes: kstatus conditions, observedGeneration and a live summary. */
export const STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', format: 'int64' },
    conditions: { type: 'array', items: condition, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    live: {
      type: 'object',
      description: 'what the NATS server reported at the last reconcile',
      properties: {
        messages: count, bytes: count, consumers: count, leader: { type: 'string' },
        replicas: { type: 'object', properties: { current: count, lagging: count, offline: count } },
        pending: count, ackPending: count,
      },
    },
    stream: { type: 'string', description: 'the JetStream asset this resource manages (stream or bucket name)' },
  },
};

function printerColumns(kind: KindName): JsonSchema[] {
  const ready = ".status.conditions[?(@.type=='Ready')]";
  const stream = STREAM_FIELD[kind];
  return [
    { name: 'Ready', type: 'string', jsonPath: `${ready}.status`, description: 'True when the asset on the server is as declared' },
    { name: 'Reason', type: 'string', jsonPath: `${ready}.reason`, description: 'why (Created, InSync, ImmutableFieldChanged, ConnectionFailed, ...)' },
    ...(stream ? [{ name: 'Stream', type: 'string', jsonPath: stream, description: 'the JetStream stream or bucket' }] : []),
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}

function openApiSchema(kind: KindName): JsonSchema {
  const manifest = manifestJsonSchema(kind) as { properties: { spec: JsonSchema } };
  return {
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: structural(manifest.properties.spec),
      status: STATUS_SCHEMA,
    },
  };
}

/** The CRD of one kind as an object. */
export function crdFor(kind: KindName): JsonSchema {
  const k = KINDS.find((x) => x.kind === kind)!;
  const singular = kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${k.plural}.${CRD_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'jetkeeper' } },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: { kind, singular, plural: k.plural, listKind: `${kind}List`, ...(SHORT_NAMES[kind] ? { shortNames: SHORT_NAMES[kind] } : {}), categories: ['jetstream', 'nats'] },
      versions: [{
        name: CRD_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: printerColumns(kind),
        schema: { openAPIV3Schema: openApiSchema(kind) },
      }],
    },
  };
}

const time = { type: 'string', format: 'date-time' };

/** The status of a BackupPolicy: the Ready condition, the last run, success and verified backup, the next run, per stream. */
export const POLICY_STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    observedGeneration: count,
    conditions: (STATUS_SCHEMA.properties as Record<string, JsonSchema>).conditions,
    nextRunTime: time, lastRunTime: time, lastSuccessTime: time, lastVerifiedTime: time,
    lastSizeBytes: count, lastDurationSeconds: { type: 'number' }, lastVerified: { type: 'boolean' },
    streams: {
      type: 'array',
      items: {
        type: 'object',
        properties: { stream: { type: 'string' }, ok: { type: 'boolean' }, dir: { type: 'string' }, bytes: count, durationSeconds: { type: 'number' }, verified: { type: 'boolean' }, error: { type: 'string' } },
      },
    },
  },
};

/** jetkeeper's own CRD: BackupPolicy (`jetstream.jetkeeper.io/v1alpha1`), scheduled by the controller. */
export function backupPolicyCrd(): JsonSchema {
  const spec = z.toJSONSchema(backupPolicySpec, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  const ready = ".status.conditions[?(@.type=='Ready')]";
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${POLICY_PLURAL}.${POLICY_API.group}`, labels: { 'app.kubernetes.io/part-of': 'jetkeeper' } },
    spec: {
      group: POLICY_API.group,
      scope: 'Namespaced',
      names: { kind: 'BackupPolicy', singular: 'backuppolicy', plural: POLICY_PLURAL, listKind: 'BackupPolicyList', categories: ['jetstream', 'jetkeeper'] },
      versions: [{
        name: POLICY_API.version, served: true, storage: true, subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Ready', type: 'string', jsonPath: `${ready}.status`, description: 'False when the last run failed or the policy is invalid' },
          { name: 'Reason', type: 'string', jsonPath: `${ready}.reason`, description: 'Scheduled, Running, Succeeded, Failed, InvalidPolicy, Suspended' },
          { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule' },
          { name: 'Last Success', type: 'date', jsonPath: '.status.lastSuccessTime' },
          { name: 'Last Verified', type: 'date', jsonPath: '.status.lastVerifiedTime' },
          { name: 'Next Run', type: 'string', jsonPath: '.status.nextRunTime', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: { openAPIV3Schema: { type: 'object', required: ['spec'], properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec: structural(spec), status: POLICY_STATUS_SCHEMA } } },
      }],
    },
  };
}

/** File name -> YAML text, for every kind (deploy/crds/<plural>.yaml), BackupPolicy included. */
export function allCrdFiles(): Record<string, string> {
  const header = '# Generated from jetkeeper\'s resource schemas (`jetkeeper crds`). Do not edit.\n';
  const files = KINDS.map((k) => [`${k.plural}.yaml`, header + stringify(crdFor(k.kind), { lineWidth: 0 })]);
  return Object.fromEntries([...files, [`${POLICY_PLURAL}.yaml`, header + stringify(backupPolicyCrd(), { lineWidth: 0 })]]);
}

/** Every CRD as an object, in kind order, then BackupPolicy. */
export function allCrds(): JsonSchema[] {
  return [...KINDS.map((k) => crdFor(k.kind)), backupPolicyCrd()];
}
