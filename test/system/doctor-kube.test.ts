/**
 * `jetkeeper doctor`'s Kubernetes layer as a user runs it (the CLI, `-o json`), against a real
 * kube-apiserver (with etcd) and a real 1-node nats-server. No controller-manager or scheduler
 * runs, so objects stay as created: the test sets StatefulSet, Deployment and PVC status through
 * the status subresource and pods' spec.nodeName at creation, as those controllers would.
 * Objects carry the labels of the official NATS Helm chart (nats-io/k8s helm/charts/nats).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../../src/kube/client.js';
import { allCrds } from '../../src/kube/crds.js';
import type { LocalCluster } from '../../src/local/cluster.js';
import { doctorExit, worstSeverity, type DoctorReport, type Finding } from '../../src/metrics/doctor.js';
import { freePort, kubeSkipReason, startTestKube, type TestKube } from '../helpers/kube.js';
import { eventually } from '../helpers/monitor.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';
import { runJetkeeper } from '../helpers/cli.js';

const bin = fileURLToPath(new URL('../../../bin/jetkeeper.js', import.meta.url));
const home = makeTempDir('jetkeeper-doctor-kube-home-');
const NS = 'shop';
const SYSTEM = 'jetkeeper-system';
const skip = kubeSkipReason();

const SELECTOR = { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats' };
const LABELS = { ...SELECTOR, 'app.kubernetes.io/managed-by': 'Helm', 'helm.sh/chart': 'nats-1.3.9', 'app.kubernetes.io/version': '2.12.4' };
const BOX = { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'nats', 'app.kubernetes.io/component': 'nats-box' };

let kube: TestKube | undefined;
let nats: LocalCluster | undefined;
let admin: KubeClient;

const run = (args: string[]) => runJetkeeper(args, { JETKEEPER_HOME: home, KUBECONFIG: '/nonexistent' });

async function doctorJson(kubeconfig: string, extra: string[] = []): Promise<DoctorReport & { code: number; kube: Finding[] }> {
  const r = await run(['doctor', '--kubeconfig', kubeconfig, '--namespace', NS, '--monitor', nats!.servers[0].monitorUrl, '-s', nats!.urls.join(','), '-o', 'json', ...extra]);
  let report: DoctorReport;
  try {
    report = JSON.parse(r.out) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}): ${r.out}\n${r.err}`);
  }
  return { ...report, code: r.code, kube: report.findings.filter((x) => x.layer === 'kubernetes') };
}

const checks = (fs: Finding[]) => fs.filter((x) => x.severity !== 'ok').map((x) => x.check).sort();

function statefulSet(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'nats', namespace: NS, labels: LABELS },
    spec: {
      replicas: 3, serviceName: 'nats-headless', podManagementPolicy: 'Parallel', selector: { matchLabels: SELECTOR },
      template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'nats', image: 'nats:2.12.4-alpine' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'nats-js' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
    },
  };
}

function pod(name: string, labels: Record<string, string>, node: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels }, spec: { nodeName: node, automountServiceAccountToken: false, containers: [{ name: 'c', image: 'nats:2.12.4-alpine' }] } };
}

function claim(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS, labels: SELECTOR }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } };
}

function controller(): Record<string, unknown> {
  const labels = { 'app.kubernetes.io/name': 'jetkeeper', 'app.kubernetes.io/instance': 'jetkeeper' };
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'jetkeeper', namespace: SYSTEM, labels },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'controller', image: 'jetkeeper:test' }] } } },
  };
}

/** Pods nats-0..2 on the given nodes (recreated: a pod's node cannot change), plus a nats-box pod elsewhere. */
async function placePods(nodes: string[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await admin.core.deleteNamespacedPod({ namespace: NS, name: `nats-${i}`, gracePeriodSeconds: 0 }).catch(() => undefined);
    await eventually(`pod nats-${i} gone`, async () => ((await admin.read('v1', 'Pod', `nats-${i}`, NS)) ? undefined : true));
    await admin.create(pod(`nats-${i}`, { ...LABELS, 'apps.kubernetes.io/pod-index': String(i) }, nodes[i]) as never);
  }
}

describe('doctor: the Kubernetes layer on a real kube-apiserver', { skip }, () => {
  before(async () => {
    [kube, nats] = await Promise.all([startTestKube(), startTestCluster(1)]);
    admin = KubeClient.load({ kubeconfig: kube!.adminKubeconfig });
    for (const ns of [NS, SYSTEM]) await admin.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const ns of [NS, SYSTEM]) await admin.upsert({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
    await admin.create(statefulSet() as never);
    await admin.patchBuiltinStatus('StatefulSet', NS, 'nats', { replicas: 3, readyReplicas: 1, currentReplicas: 3, availableReplicas: 1 });
    for (let i = 0; i < 3; i++) await admin.create(claim(`nats-js-nats-${i}`) as never);
    for (const i of [0, 2]) await admin.patchBuiltinStatus('PersistentVolumeClaim', NS, `nats-js-nats-${i}`, { phase: 'Bound' });
    await admin.create(claim('other-data') as never);
    await placePods(['node-a', 'node-a', 'node-a']);
    await admin.create(pod('nats-box', BOX, 'node-b') as never);
    await admin.create(controller() as never);
    await admin.patchBuiltinStatus('Deployment', SYSTEM, 'jetkeeper', { replicas: 1, readyReplicas: 0 });
  });

  after(async () => {
    await Promise.all([kube?.stop(), nats?.stop({ purge: true })]);
  });

  test('a broken NATS StatefulSet: not ready, an unbound PVC, pods on one node, no PDB, controller not ready, CRDs missing', async () => {
    const r = await doctorJson(kube!.adminKubeconfig);
    assert.deepEqual(Object.keys(r).filter((k) => k !== 'code' && k !== 'kube').sort(), ['exitCode', 'findings', 'worst']);
    assert.deepEqual(checks(r.kube), ['controller', 'crds', 'pdb', 'pvc', 'spread', 'statefulset'], JSON.stringify(r.kube, null, 1));
    const by = (c: string) => r.kube.filter((x) => x.check === c);
    assert.equal(by('statefulset')[0].subject, 'StatefulSet/nats');
    assert.equal(by('statefulset')[0].evidence, '1 of 3 replicas ready');
    assert.deepEqual(by('pvc').map((x) => [x.subject, x.evidence]), [['PersistentVolumeClaim/nats-js-nats-1', 'phase Pending']]);
    assert.equal(by('spread')[0].evidence, '3 NATS pods on 1 node(s)', 'the nats-box pod (same name label, other component) is not a NATS pod');
    assert.equal(by('pdb')[0].severity, 'warning');
    assert.match(by('controller')[0].evidence, /not ready \(0 of 1 replicas ready, Deployment jetkeeper-system\/jetkeeper\)/);
    assert.equal(by('crds')[0].severity, 'warning');
    assert.match(by('crds')[0].evidence, /streams\.jetstream\.nats\.io.*backuppolicies\.jetstream\.jetkeeper\.io/);
    assert.equal(worstSeverity(r.kube), 'critical');
    assert.equal(r.worst, 'critical');
    assert.equal(r.code, 2);
  });

  test('with a PDB, statuses fixed, pods spread and the CRDs installed, those findings go away', async () => {
    await admin.create({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'nats', namespace: NS, labels: LABELS }, spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } } } as never);
    await admin.patchBuiltinStatus('StatefulSet', NS, 'nats', { replicas: 3, readyReplicas: 3, currentReplicas: 3, availableReplicas: 3 });
    await admin.patchBuiltinStatus('PersistentVolumeClaim', NS, 'nats-js-nats-1', { phase: 'Bound' });
    await admin.patchBuiltinStatus('Deployment', SYSTEM, 'jetkeeper', { replicas: 1, readyReplicas: 1 });
    await placePods(['node-a', 'node-b', 'node-c']);
    for (const crd of allCrds()) await admin.upsert(crd as never);
    const r = await eventually('doctor without Kubernetes findings (CRDs served)', async () => {
      const x = await doctorJson(kube!.adminKubeconfig, ['--all']);
      return checks(x.kube).length === 0 ? x : undefined;
    }, 30_000);
    assert.deepEqual(r.kube.map((x) => [x.check, x.severity]), [['cluster', 'ok']]);
    assert.equal(r.code, doctorExit(worstSeverity(r.findings.filter((x) => x.layer !== 'kubernetes'))), 'the exit code is the other layers\' alone');
  });

  test('the wrong namespace finds no StatefulSet (a finding, not a false PDB warning)', async () => {
    const r = await doctorJson(kube!.adminKubeconfig, ['--namespace', SYSTEM]);
    assert.deepEqual(checks(r.kube), ['statefulset']);
    assert.match(r.kube[0].evidence, /no StatefulSet labelled app\.kubernetes\.io\/name=nats in namespace jetkeeper-system/);
  });

  test('RBAC that forbids a list is a finding naming the verb and resource; the checks it feeds are skipped', async () => {
    const rules = [{ apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['list'] }, { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims'], verbs: ['list'] }];
    await admin.upsert({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: NS } });
    await admin.upsert({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: NS }, rules } as never);
    await admin.upsert({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }] } as never);
    const kc = kube!.kubeconfigForToken(await admin.serviceAccountToken(NS, 'reader'), 'reader', NS);
    const r = await eventually('RBAC in force', async () => {
      const x = await doctorJson(kc);
      return x.kube.some((f) => f.check === 'kube-access') ? x : undefined;
    });
    const access = r.kube.filter((x) => x.check === 'kube-access');
    const pdb = access.find((x) => x.subject === 'poddisruptionbudgets.policy')!;
    assert.ok(pdb, JSON.stringify(access));
    assert.match(pdb.evidence, /^forbidden: list poddisruptionbudgets\.policy in namespace shop \(HTTP 403\)/);
    assert.match(pdb.fix, /grant the kubeconfig's user list on poddisruptionbudgets\.policy in namespace shop/);
    assert.ok(access.some((x) => x.subject === 'deployments.apps' && /cluster-wide/.test(x.evidence)));
    assert.ok(!r.kube.some((x) => x.check === 'pdb'), 'no PDB warning from a list that was refused');
    assert.deepEqual(r.kube.filter((x) => ['statefulset', 'pvc', 'spread'].includes(x.check)), [], 'what could be read is healthy');
    assert.equal(worstSeverity(r.kube), 'warning');
    assert.equal(r.code, doctorExit(r.worst));
  });

  test('an API server that does not answer is a finding, not a crash', async () => {
    const port = await freePort();
    const kc = kube!.kubeconfigForToken('x', `closed-${port}`, NS);
    writeFileSync(kc, readFileSync(kc, 'utf8').replace(kube!.server, `https://127.0.0.1:${port}`));
    const r = await doctorJson(kc);
    assert.deepEqual(r.kube.map((x) => [x.check, x.severity, x.subject]), [['kube-api', 'warning', `https://127.0.0.1:${port}`]]);
    assert.match(r.kube[0].evidence, /cannot be reached: .*ECONNREFUSED|cannot be reached: .*connect/);
    assert.equal(r.code, doctorExit(r.worst), 'exit code from the findings: the process did not crash');
    const bad = await doctorJson(kube!.kubeconfigForToken('not-a-token', 'bad-token', NS));
    assert.deepEqual(bad.kube.map((x) => [x.check, x.severity]), [['kube-api', 'warning']]);
    assert.match(bad.kube[0].evidence, /rejected the credentials/);
  });
});
