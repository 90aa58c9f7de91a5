/** The Kubernetes layer of doctor: every finding fires on its facts and stays quiet without them; the reader's pure helpers. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { kubeconfigPath } from '../../src/cli/doctor.js';
import { claimOf, selects, selectorString } from '../../src/kube/doctor-facts.js';
import { kubernetesFindings, type KubeFacts } from '../../src/metrics/doctor.js';

const healthy = (): KubeFacts => ({
  statefulSets: [{ name: 'nats', replicas: 3, ready: 3 }],
  pvcs: [{ name: 'nats-js-nats-0', phase: 'Bound' }],
  pods: [{ name: 'nats-0', node: 'a', ready: true }, { name: 'nats-1', node: 'b', ready: true }, { name: 'nats-2', node: 'c', ready: true }],
  pdbs: [{ name: 'nats' }],
  controller: { ready: true, found: true, name: 'jetkeeper', namespace: 'jetkeeper-system', replicas: 1, readyReplicas: 1 },
  scope: { namespace: 'shop', selector: 'app.kubernetes.io/name=nats' },
  crds: [{ name: 'streams.jetstream.nats.io', installed: true }, { name: 'backuppolicies.jetstream.jetkeeper.io', installed: true }],
});
const checks = (k: KubeFacts) => kubernetesFindings(k).map((x) => `${x.check}:${x.severity}`);

test('healthy facts with every new field: one ok finding', () => {
  assert.deepEqual(checks(healthy()), ['cluster:ok']);
});

test('no StatefulSet found in the scope: a statefulset warning, and no PDB warning for pods that are not there', () => {
  const k = { ...healthy(), statefulSets: [], pods: [], pvcs: [], pdbs: [] };
  assert.deepEqual(checks(k), ['statefulset:warning']);
  assert.match(kubernetesFindings(k)[0].evidence, /no StatefulSet labelled app\.kubernetes\.io\/name=nats in namespace shop/);
  assert.deepEqual(checks({ ...k, scope: undefined }), ['cluster:ok'], 'without a scope (older readers) nothing is claimed');
});

test('CRDs not installed: warning with a controller, info without one; quiet when all are served', () => {
  const k = { ...healthy(), crds: [{ name: 'streams.jetstream.nats.io', installed: false }, { name: 'backuppolicies.jetstream.jetkeeper.io', installed: true }] };
  assert.deepEqual(checks(k), ['crds:warning']);
  assert.equal(kubernetesFindings(k)[0].evidence, 'not installed: streams.jetstream.nats.io');
  assert.deepEqual(checks({ ...k, controller: undefined }), ['crds:info', 'cluster:ok']);
  assert.deepEqual(checks({ ...k, controller: { ready: false, found: false } }), ['controller:info', 'crds:info', 'cluster:ok']);
});

test('controller: not found is info, not ready is critical with the replica counts, ready is quiet', () => {
  assert.deepEqual(checks({ ...healthy(), controller: { ready: false, found: false } }), ['controller:info', 'cluster:ok']);
  const down = kubernetesFindings({ ...healthy(), controller: { ready: false, found: true, name: 'jetkeeper', namespace: 'ops', replicas: 2, readyReplicas: 0 } });
  assert.deepEqual(down.map((x) => x.severity), ['critical']);
  assert.equal(down[0].evidence, 'the jetkeeper controller is not ready (0 of 2 replicas ready, Deployment ops/jetkeeper)');
  assert.deepEqual(checks({ ...healthy(), controller: { ready: false } }), ['controller:critical'], 'the original fact shape still works');
});

test('access errors: one finding each, naming verb, resource and scope; the unread checks are skipped, not guessed', () => {
  const k: KubeFacts = {
    ...healthy(), pdbs: [], unread: ['pdbs'],
    accessErrors: [{ verb: 'list', resource: 'poddisruptionbudgets.policy', namespace: 'shop', status: 403, message: 'denied' }, { verb: 'list', resource: 'deployments.apps', status: 403, message: 'denied' }],
  };
  const out = kubernetesFindings(k);
  assert.deepEqual(out.map((x) => `${x.check}:${x.severity}:${x.subject}`), ['kube-access:warning:poddisruptionbudgets.policy', 'kube-access:warning:deployments.apps']);
  assert.match(out[0].evidence, /^forbidden: list poddisruptionbudgets\.policy in namespace shop \(HTTP 403\): denied/);
  assert.match(out[0].fix, /grant the kubeconfig's user list on poddisruptionbudgets\.policy in namespace shop/);
  assert.match(out[1].evidence, /cluster-wide/);
  assert.deepEqual(checks({ ...k, accessErrors: [] }), ['cluster:ok'], 'an unread PDB list is no PDB warning');
  assert.deepEqual(checks({ ...k, unread: [], accessErrors: [] }), ['pdb:warning'], 'a read, empty PDB list is');
  const unreadAll: KubeFacts = { ...healthy(), statefulSets: [], pods: [], pvcs: [], pdbs: [], unread: ['statefulSets', 'pods', 'pvcs', 'pdbs'] };
  assert.deepEqual(checks(unreadAll), ['cluster:ok']);
  assert.deepEqual(checks({ ...unreadAll, unread: ['pods', 'pvcs', 'pdbs'] }), ['statefulset:warning'], 'a read, empty StatefulSet list is a finding');
});

test('a failed read is one finding (kubeconfig, unreachable, unauthorized) and nothing else', () => {
  const base = { ...healthy(), pdbs: [] };
  for (const [what, check, re] of [['kubeconfig', 'kubeconfig', /not loadable/], ['unreachable', 'kube-api', /cannot be reached/], ['unauthorized', 'kube-api', /rejected the credentials/]] as const) {
    const out = kubernetesFindings({ ...base, failure: { what, where: 'https://k:6443', message: 'boom' } });
    assert.deepEqual(out.map((x) => `${x.check}:${x.severity}`), [`${check}:warning`]);
    assert.match(out[0].evidence, re);
    assert.match(out[0].evidence, /boom; the Kubernetes layer was not checked/);
  }
});

test('spread counts scheduled pods only', () => {
  const k = { ...healthy(), pods: [{ name: 'nats-0', node: 'a', ready: true }, { name: 'nats-1', node: '', ready: false }, { name: 'nats-2', node: '', ready: false }] };
  assert.deepEqual(checks(k), ['cluster:ok']);
  assert.deepEqual(checks({ ...k, pods: [...k.pods, { name: 'nats-3', node: 'a', ready: true }] }), ['spread:warning']);
});

test('label selectors: string form and matching (policy/v1: empty selects all, absent none)', () => {
  const s = { matchLabels: { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/component': 'nats' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'DoesNotExist' }, { key: 'y', operator: 'Exists' }, { key: 'z', operator: 'NotIn', values: ['1'] }] };
  assert.equal(selectorString(s), 'app.kubernetes.io/name=nats,app.kubernetes.io/component=nats,tier in (a,b),!x,y,z notin (1)');
  const pod = { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/component': 'nats', tier: 'a', y: '' };
  assert.equal(selects(s, pod), true);
  assert.equal(selects(s, { ...pod, 'app.kubernetes.io/component': 'nats-box' }), false, 'the chart\'s nats-box pods are not NATS pods');
  assert.equal(selects(s, { ...pod, x: '1' }), false);
  assert.equal(selects(s, { ...pod, z: '1' }), false);
  assert.equal(selects(s, { ...pod, tier: 'c' }), false);
  assert.equal(selects({}, pod), true);
  assert.equal(selects(undefined, pod), false);
});

test('volume claims of a StatefulSet: <template>-<sts>-<ordinal>', () => {
  const sts = { metadata: { name: 'nats' }, spec: { selector: {}, serviceName: 'n', template: {}, volumeClaimTemplates: [{ metadata: { name: 'nats-js' } }] } };
  assert.equal(claimOf(sts, 'nats-js-nats-0'), true);
  assert.equal(claimOf(sts, 'nats-js-nats-12'), true);
  assert.equal(claimOf(sts, 'nats-js-nats-box-0'), false);
  assert.equal(claimOf(sts, 'other-nats-0'), false);
});

test('kubeconfig path: flag, else $KUBECONFIG as kubectl reads it (first existing file; set but none exist: none), else ~/.kube/config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jetkeeper-kubeconfig-'));
  const file = join(dir, 'config');
  writeFileSync(file, '{}');
  assert.equal(kubeconfigPath('/given'), '/given');
  assert.equal(kubeconfigPath(undefined, [join(dir, 'missing'), file].join(delimiter)), file);
  assert.equal(kubeconfigPath(undefined, '/nonexistent'), undefined);
});
