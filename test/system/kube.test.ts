/**
 * The Kubernetes controller against a real kube-apiserver (with etcd) and a real 3-node
 * nats-server cluster: CRDs install, CRs drive JetStream assets, status and Events appear on the
 * API server, deletion honours finalizers and policies, leader election fails over, and the
 * chart's RBAC is enough (the controller runs with the chart's ServiceAccount token, not as admin).
 * One API server and one NATS cluster for the whole file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { KubeClient, type CustomResource } from '../../src/kube/client.js';
import { allCrds, POLICY_API } from '../../src/kube/crds.js';
import { clusterSettings, type LocalCluster } from '../../src/local/cluster.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { NatsClient } from '../../src/nats/client.js';
import { freePort, kubeSkipReason, startTestKube, toolBin, type TestKube } from '../helpers/kube.js';
import { eventually } from '../helpers/monitor.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';
import { sleep } from '../../src/nats/retry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const NS = 'shop';
const SYSTEM = 'jetkeeper-system';
const skip = kubeSkipReason(['etcd', 'kube-apiserver', 'helm']);

let kube: TestKube | undefined;
let cluster: LocalCluster | undefined;
let spare: LocalCluster | undefined;
let secured: LocalCluster | undefined;
let admin: KubeClient;
let js: JetStreamAdmin;
let saKubeconfig = '';
const controllers: ChildProcess[] = [];

interface Ready { status: string; reason: string; message: string; observedGeneration?: number }

function ready(obj: CustomResource | undefined): Ready | undefined {
  const list = (obj?.status?.conditions ?? []) as Ready[];
  return list.find((c) => (c as unknown as { type: string }).type === 'Ready');
}

function cr(kind: string, name: string, spec: Record<string, unknown>, annotations?: Record<string, string>): CustomResource {
  return { apiVersion: 'jetstream.nats.io/v1beta2', kind, metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec };
}

const PLURAL: Record<string, string> = { Stream: 'streams', Consumer: 'consumers', KeyValue: 'keyvalues', ObjectStore: 'objectstores', Account: 'accounts' };

/** Waits until the CR's Ready condition satisfies `want` (and its observedGeneration is current); returns the condition. */
async function waitReady(kind: string, name: string, want: (c: Ready) => boolean, what: string, timeoutMs = 30_000): Promise<Ready> {
  let last: Ready | undefined;
  return eventually(`${kind}/${name} ${what} (last: ${JSON.stringify(last)})`, async () => {
    const obj = await admin.getResource(PLURAL[kind], NS, name);
    last = ready(obj);
    if (!obj || !last) return undefined;
    const current = (obj.status?.observedGeneration as number | undefined) === obj.metadata.generation;
    return current && want(last) ? last : undefined;
  }, timeoutMs);
}

async function eventsOf(name: string): Promise<{ reason: string; type: string; message: string; count: number }[]> {
  const list = await admin.listEvents(NS, `involvedObject.name=${name}`);
  return list.map((e) => ({ reason: e.reason ?? '', type: e.type ?? '', message: e.message ?? '', count: e.count ?? 1 }));
}

async function streamGone(name: string): Promise<boolean> {
  return (await js.streamInfo(name)) === undefined;
}

async function publish(subject: string, n: number): Promise<void> {
  const c = await NatsClient.connect(clusterSettings(cluster!));
  try {
    for (let i = 0; i < n; i++) c.publish(subject, `m${i}`);
    await c.flush();
  } finally {
    await c.close();
  }
}

async function startController(kubeconfig: string, extra: string[] = []): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const args = [
    'bin/jetkeeper.js', 'controller', '--source', 'kubernetes', '--namespace', NS, '--kubeconfig', kubeconfig,
    '-s', cluster!.urls.join(','), '--sync-interval', '2s', '--removal-timeout', '4s', '--listen', `127.0.0.1:${port}`, ...extra,
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POD_NAMESPACE: SYSTEM } });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-8000); });
  child.stderr?.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-8000); });
  (child as ChildProcess & { output: () => string }).output = () => out;
  controllers.push(child);
  const url = `http://127.0.0.1:${port}`;
  await eventually(`controller /readyz on ${url}`, async () => {
    if (child.exitCode !== null) throw new Error(`controller exited ${child.exitCode}: ${out}`);
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    return r?.status === 200 ? true : undefined;
  }, 30_000);
  return { child, url };
}

/** The output of every controller started so far (the last 8000 characters of each), for failure messages. */
function controllerOutput(): string {
  return controllers.map((c, i) => {
    const state = c.exitCode !== null ? `exited ${c.exitCode}` : c.signalCode ? `killed by ${c.signalCode}` : 'running';
    return `--- controller ${i} (pid ${c.pid}, ${state}) ---\n${(c as ChildProcess & { output?: () => string }).output?.() ?? ''}`;
  }).join('\n');
}

/** A test whose failure message carries the controllers' output (their logs say why a CR did not settle). */
function ktest(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Error && controllers.length) e.message = `${e.message}\n${controllerOutput()}`;
      throw e;
    }
  });
}

async function stopProcess(child: ChildProcess, sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, sig);
  const t = setTimeout(() => { if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
  await exited;
  clearTimeout(t);
}

function helmTemplate(set: string[]): Record<string, unknown>[] {
  const r = spawnSync(toolBin('helm'), ['template', 'jetkeeper', 'deploy/helm/jetkeeper', '--namespace', SYSTEM, ...set.flatMap((s) => ['--set', s])], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>).filter((d) => d && typeof d === 'object' && d.kind);
}

/** Installs the chart's ServiceAccount and RBAC (as a platform would with `helm install`) and returns a kubeconfig for its token. */
async function installChartIdentity(): Promise<string> {
  const objects = helmTemplate(['crds.install=false', 'namespaced=true']).filter((o) => o.kind !== 'Deployment' && o.kind !== 'Service');
  for (const o of objects) await admin.upsert(o as never);
  // namespaced=true gives a Role in the release namespace; the test's resources live in NS, so bind the same rules there
  const role = objects.find((o) => o.kind === 'Role' && !String((o.metadata as { name: string }).name).endsWith('leader-election'))!;
  const binding = objects.find((o) => o.kind === 'RoleBinding' && !String((o.metadata as { name: string }).name).endsWith('leader-election'))!;
  for (const o of [role, binding]) await admin.upsert({ ...o, metadata: { ...(o.metadata as object), namespace: NS } } as never);
  const token = await admin.serviceAccountToken(SYSTEM, 'jetkeeper');
  assert.ok(token.length > 20, 'a ServiceAccount token');
  return kube!.kubeconfigForToken(token, 'jetkeeper-sa', NS);
}

describe('Kubernetes controller on a real kube-apiserver', { skip }, () => {
  before(async () => {
    [kube, cluster, spare] = await Promise.all([startTestKube(), startTestCluster(3), startTestCluster(1)]);
    admin = KubeClient.load({ kubeconfig: kube!.adminKubeconfig });
    js = await JetStreamAdmin.connect(clusterSettings(cluster));
    for (const ns of [NS, SYSTEM]) await admin.upsert({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });

  after(async () => {
    for (const c of controllers) await stopProcess(c);
    await js?.close();
    await Promise.all([kube?.stop(), cluster?.stop({ purge: true }), spare?.stop({ purge: true }), secured?.stop({ purge: true })]);
  });

  ktest('the generated CRDs install and become Established, with the Ready/Reason/Stream/Age columns', async () => {
    for (const crd of allCrds()) await admin.upsert(crd as never);
    for (const crd of allCrds()) {
      const name = (crd.metadata as { name: string }).name;
      await eventually(`${name} Established`, async () => {
        const live = await admin.read<{ status?: { conditions?: { type: string; status: string }[] } }>('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name);
        return live?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      });
    }
    const streams = await admin.read<{ spec: { versions: { additionalPrinterColumns: { name: string }[] }[] } }>('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'streams.jetstream.nats.io');
    assert.deepEqual(streams!.spec.versions[0].additionalPrinterColumns.map((c) => c.name), ['Ready', 'Reason', 'Stream', 'Age']);
  });

  ktest('every object the Helm chart renders is accepted by the API server (server-side dry-run), in both RBAC modes', async () => {
    for (const set of [[], ['namespaced=true', 'crds.install=false', 'nats.credentials.secret.name=nats-creds', 'nats.tls.enabled=true', 'nats.tls.secretName=nats-tls', 'backups.enabled=true']]) {
      const objects = helmTemplate(set);
      assert.ok(objects.some((o) => o.kind === 'Deployment'));
      for (const o of objects) {
        if (o.kind === 'CustomResourceDefinition') continue; // installed above: a dry-run create would conflict
        await admin.create(o as never, { dryRun: true });
      }
    }
  });

  ktest('the controller runs with the chart\'s ServiceAccount token: a Stream CR becomes a stream on NATS, Ready=True Created, with an Event', async () => {
    saKubeconfig = await installChartIdentity();
    await startController(saKubeconfig, ['--leader-elect', '--lease-duration', '3s', '--renew-deadline', '2s', '--retry-period', '500ms']);
    await admin.upsert(cr('Stream', 'orders', { name: 'ORDERS', subjects: ['ord.>'], storage: 'file', replicas: 3, maxMsgs: 1000 }));
    const c = await waitReady('Stream', 'orders', (x) => x.status === 'True', 'Ready');
    assert.match(c.reason, /Created|InSync/);
    const info = await js.streamInfo('ORDERS');
    assert.equal(info?.config.num_replicas, 3);
    assert.equal(info?.config.max_msgs, 1000);
    const obj = await admin.getResource('streams', NS, 'orders');
    assert.ok(obj!.metadata.finalizers?.includes('jetkeeper.io/finalizer'), 'finalizer added');
    assert.equal(obj!.spec!.maxMsgs, 1000, 'spec untouched');
    await eventually('a Created event', async () => ((await eventsOf('orders')).some((e) => e.reason === 'Created') ? true : undefined));
  });

  ktest('an update of the CR updates the stream in place; the live summary is in the status', async () => {
    await publish('ord.new', 5);
    await admin.mergePatch(cr('Stream', 'orders', { maxMsgs: 2000 }));
    await waitReady('Stream', 'orders', (x) => x.status === 'True', 'Ready after the update');
    assert.equal((await js.streamInfo('ORDERS'))?.config.max_msgs, 2000);
    await eventually('live summary with 5 messages', async () => {
      const obj = await admin.getResource('streams', NS, 'orders');
      return (obj?.status?.live as { messages?: number } | undefined)?.messages === 5 ? true : undefined;
    });
  });

  ktest('a BackupPolicy object is run on its schedule and proven by a restore: status Succeeded, lastVerifiedTime; an invalid one is Ready=False InvalidPolicy naming spec.schedule', async () => {
    const dest = makeTempDir('jetkeeper-kube-backups-');
    const policy = (name: string, schedule: string) => ({
      apiVersion: 'jetstream.jetkeeper.io/v1alpha1', kind: 'BackupPolicy', metadata: { name, namespace: NS },
      spec: { streams: ['ORDERS'], schedule, retention: 1, destination: dest, maxVerifiedAge: '2h' },
    });
    await admin.upsert(policy('orders-often', '*/3 * * * * *') as never);
    await admin.upsert(policy('orders-broken', 'at midnight') as never);
    const status = async (name: string) => (await admin.getResource('backuppolicies', NS, name, POLICY_API))?.status as { conditions?: Ready[]; lastVerifiedTime?: string; lastSuccessTime?: string; streams?: { stream: string; verified?: boolean; dir?: string }[] } | undefined;
    const ok = await eventually('orders-often Succeeded and verified', async () => {
      const st = await status('orders-often');
      const c = st?.conditions?.find((x) => (x as unknown as { type: string }).type === 'Ready');
      return c?.status === 'True' && c.reason === 'Succeeded' && st?.lastVerifiedTime ? st : undefined;
    }, 60_000);
    assert.equal(ok.streams?.[0]?.stream, 'ORDERS');
    assert.equal(ok.streams?.[0]?.verified, true);
    assert.ok(existsSync(join(ok.streams![0].dir!, 'backup.json')), 'the backup is on disk where the status says');
    const bad = await eventually('orders-broken InvalidPolicy', async () => {
      const c = (await status('orders-broken'))?.conditions?.find((x) => (x as unknown as { type: string }).type === 'Ready');
      return c?.reason === 'InvalidPolicy' ? c : undefined;
    });
    assert.equal(bad.status, 'False');
    assert.match(bad.message, /spec\.schedule/);
    for (const n of ['orders-often', 'orders-broken']) await admin.delete(policy(n, '') as never);
    await sleep(4000);
    const kept = readdirSync(join(dest, 'ORDERS')).length;
    await sleep(4000);
    assert.equal(readdirSync(join(dest, 'ORDERS')).length, kept, 'no run after the policy was deleted');
    assert.equal(kept, 1, 'retention 1 keeps one backup');
  });

  ktest('an invalid spec is Ready=False InvalidManifest naming the field, and nothing is created', async () => {
    await admin.upsert(cr('Stream', 'broken', { name: 'BROKEN', subjects: ['broken.>'], maxAge: '10 parsecs' }));
    const c = await waitReady('Stream', 'broken', (x) => x.reason === 'InvalidManifest', 'InvalidManifest');
    assert.equal(c.status, 'False');
    assert.match(c.message, /spec\.maxAge/);
    assert.ok(await streamGone('BROKEN'));
  });

  ktest('an immutable change is refused with the plan in the status; the stream keeps its storage and data', async () => {
    await admin.mergePatch(cr('Stream', 'orders', { storage: 'memory' }));
    const c = await waitReady('Stream', 'orders', (x) => x.reason === 'ImmutableFieldChanged', 'ImmutableFieldChanged');
    assert.equal(c.status, 'False');
    assert.match(c.message, /storage/);
    const info = await js.streamInfo('ORDERS');
    assert.equal(info?.config.storage, 'file');
    assert.equal(info?.state.messages, 5);
    await admin.mergePatch(cr('Stream', 'orders', { storage: 'file' }));
    await waitReady('Stream', 'orders', (x) => x.status === 'True', 'Ready again');
  });

  ktest('a consumer deleted on the server by hand comes back', async () => {
    await admin.upsert(cr('Consumer', 'shipper', { streamName: 'ORDERS', durableName: 'shipper', ackPolicy: 'explicit', filterSubject: 'ord.new' }));
    await waitReady('Consumer', 'shipper', (x) => x.status === 'True', 'Ready');
    assert.ok(await js.consumerInfo('ORDERS', 'shipper'));
    await js.deleteConsumer('ORDERS', 'shipper');
    await eventually('the consumer recreated', async () => ((await js.consumerInfo('ORDERS', 'shipper')) ? true : undefined), 30_000);
  });

  ktest('an existing stream not created by jetkeeper is NotOwned until the CR opts into adoption', async () => {
    await js.createStream({ name: 'LEGACY', subjects: ['legacy.>'], storage: 'file', num_replicas: 1 });
    await admin.upsert(cr('Stream', 'legacy', { name: 'LEGACY', subjects: ['legacy.>'], storage: 'file', maxMsgs: 10 }));
    const c = await waitReady('Stream', 'legacy', (x) => x.reason === 'NotOwned', 'NotOwned');
    assert.equal(c.status, 'False');
    assert.equal((await js.streamInfo('LEGACY'))?.config.max_msgs, -1, 'not touched');
    await admin.mergePatch({ ...cr('Stream', 'legacy', {}, { 'jetkeeper.io/adopt': 'true' }) });
    await eventually('adopted', async () => ((await js.streamInfo('LEGACY'))?.config.max_msgs === 10 ? true : undefined));
  });

  ktest('deleting a CR deletes its stream (finalizer); preventDelete and deletion-policy orphan keep the stream and its data', async () => {
    await admin.upsert(cr('Stream', 'temp', { name: 'TEMP', subjects: ['temp.>'], storage: 'file' }));
    await admin.upsert(cr('Stream', 'keep', { name: 'KEEP', subjects: ['keep.>'], storage: 'file', preventDelete: true }));
    await admin.upsert(cr('Stream', 'orphan', { name: 'ORPHAN', subjects: ['orphan.>'], storage: 'file' }, { 'jetkeeper.io/deletion-policy': 'orphan' }));
    for (const n of ['temp', 'keep', 'orphan']) await waitReady('Stream', n, (x) => x.status === 'True', 'Ready');
    await publish('keep.x', 3);
    await publish('orphan.x', 4);
    for (const n of ['temp', 'keep', 'orphan']) await admin.delete(cr('Stream', n, {}));
    for (const n of ['temp', 'keep', 'orphan']) await eventually(`CR ${n} gone`, async () => ((await admin.getResource('streams', NS, n)) ? undefined : true));
    assert.ok(await streamGone('TEMP'), 'TEMP deleted with its CR');
    assert.equal((await js.streamInfo('KEEP'))?.state.messages, 3);
    assert.equal((await js.streamInfo('ORPHAN'))?.state.messages, 4);
  });

  ktest('a renamed spec.name never deletes the old stream', async () => {
    await admin.upsert(cr('Stream', 'renamed', { name: 'OLDNAME', subjects: ['rename.>'], storage: 'file' }));
    await waitReady('Stream', 'renamed', (x) => x.status === 'True', 'Ready');
    await admin.mergePatch(cr('Stream', 'renamed', { name: 'NEWNAME', subjects: ['rename2.>'] }));
    await waitReady('Stream', 'renamed', (x) => x.status === 'True', 'Ready under the new name');
    assert.ok(await js.streamInfo('NEWNAME'));
    assert.ok(await js.streamInfo('OLDNAME'), 'the old stream is still there');
    await eventually('an event about the rename', async () => ((await eventsOf('renamed')).some((e) => /OLDNAME/.test(e.message)) ? true : undefined));
  });

  ktest('NATS down: ConnectionFailed, then recovery; a CR whose NATS is gone is not stuck in Terminating', async () => {
    await admin.upsert(cr('Stream', 'remote', { name: 'REMOTE', subjects: ['remote.>'], storage: 'file', servers: spare!.urls }));
    await waitReady('Stream', 'remote', (x) => x.status === 'True', 'Ready on the spare server');
    await spare!.killServer(spare!.servers[0].name);
    await waitReady('Stream', 'remote', (x) => x.reason === 'ConnectionFailed', 'ConnectionFailed', 40_000);
    await spare!.restartServer(spare!.servers[0].name);
    await waitReady('Stream', 'remote', (x) => x.status === 'True', 'Ready after the server came back', 40_000);
    await spare!.killServer(spare!.servers[0].name);
    await admin.delete(cr('Stream', 'remote', {}));
    await eventually('the CR released after the removal timeout', async () => ((await admin.getResource('streams', NS, 'remote')) ? undefined : true), 40_000);
    await eventually('an Orphaned event', async () => ((await eventsOf('remote')).some((e) => e.reason === 'Orphaned') ? true : undefined));
  });

  ktest('an Account CR with its creds and CA in Secrets: a Stream naming it is made on an operator-mode TLS server; no credential reaches a status or an event', async () => {
    secured = await startTestCluster(1, { secure: true });
    const st = secured.secure!;
    const credsText = readFileSync(st.controllerCreds, 'utf8');
    // the creds Secrets come from `jetkeeper accounts apply --secrets-namespace`, one per user
    const apply = spawnSync(process.execPath, ['bin/jetkeeper.js', 'accounts', 'apply', '-f', st.manifests, '--keys', st.keys, '--secrets-namespace', NS, '--kubeconfig', kube!.adminKubeconfig, '-o', 'json'], { cwd: root, encoding: 'utf8' });
    assert.equal(apply.status, 0, apply.stderr);
    const secrets = (JSON.parse(apply.stdout) as { secrets: { user: string; name: string; result: string }[] }).secrets;
    assert.deepEqual(secrets.find((x) => x.user === 'orders/jetkeeper'), { user: 'orders/jetkeeper', name: 'orders-jetkeeper-nats-creds', result: 'created' });
    assert.ok(!apply.stdout.includes(/SU[A-Z2-7]{40,}/.exec(credsText)![0]), 'apply prints no seed');
    const again = spawnSync(process.execPath, ['bin/jetkeeper.js', 'accounts', 'apply', '-f', st.manifests, '--keys', st.keys, '--secrets-namespace', NS, '--kubeconfig', kube!.adminKubeconfig, '-o', 'json'], { cwd: root, encoding: 'utf8' });
    assert.ok((JSON.parse(again.stdout) as { secrets: { result: string }[] }).secrets.every((x) => x.result === 'unchanged'), again.stdout);
    await admin.upsert({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'orders-ca', namespace: NS }, stringData: { 'ca.crt': readFileSync(st.tls.ca, 'utf8') } } as never);
    await admin.upsert(cr('Account', 'orders-secure', { servers: secured.urls, creds: { secret: { name: 'orders-jetkeeper-nats-creds' }, file: 'user.creds' }, tls: { secret: { name: 'orders-ca' }, ca: 'ca.crt' } }));
    await admin.upsert(cr('Stream', 'secured', { name: 'SECURED', subjects: ['secured.>'], storage: 'file', account: 'orders-secure' }));
    await waitReady('Stream', 'secured', (x) => x.status === 'True', 'Ready on the secure server');
    const direct = await JetStreamAdmin.connect({ servers: secured.urls, creds: st.controllerCreds, tls: { ca: st.tls.ca } });
    try {
      assert.deepEqual((await direct.streamInfo('SECURED'))?.config.subjects, ['secured.>']);
    } finally {
      await direct.close();
    }
    assert.equal(await js.streamInfo('SECURED'), undefined, 'not on the default cluster');
    await waitReady('Account', 'orders-secure', (x) => x.status === 'True', 'Ready (Secrets readable)');
    // a wrong key in the Secret: the Stream names the Secret and the key, and the seed is nowhere
    await admin.upsert(cr('Account', 'orders-broken', { servers: secured.urls, creds: { secret: { name: 'orders-jetkeeper-nats-creds' }, file: 'missing.creds' } }));
    await admin.upsert(cr('Stream', 'secured-broken', { name: 'SECURED_B', subjects: ['secb.>'], storage: 'file', account: 'orders-broken' }));
    const bad = await waitReady('Stream', 'secured-broken', (x) => x.status === 'False', 'not Ready');
    assert.match(bad.message, /orders-jetkeeper-nats-creds/);
    assert.match(bad.message, /missing\.creds/);
    const seed = /SU[A-Z2-7]{40,}/.exec(credsText)![0];
    const jwt = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(credsText)![0];
    for (const name of ['secured', 'secured-broken', 'orders-secure', 'orders-broken']) {
      const kind = name.startsWith('orders') ? 'Account' : 'Stream';
      const text = JSON.stringify(await admin.getResource(PLURAL[kind], NS, name)) + JSON.stringify(await eventsOf(name));
      assert.ok(!text.includes(seed) && !text.includes(jwt), `${kind}/${name} shows a credential`);
    }
    assert.ok(!controllerOutput().includes(seed), 'the controller log shows the seed');
    for (const n of ['secured-broken', 'secured']) await admin.delete(cr('Stream', n, {}));
  });

  ktest('NACK\'s example manifests and the seed\'s are accepted unchanged and become Ready', async () => {
    const docs = ['test/fixtures/nack/examples.yaml', 'test/fixtures/orders-jetstream.yaml']
      .flatMap((f) => parseAllDocuments(readFileSync(`${root}${f}`, 'utf8')).map((d) => d.toJS() as CustomResource))
      .filter((d) => d?.kind);
    const seen: [string, string][] = [];
    for (const d of docs) {
      if (d.kind === 'Stream' && d.spec?.name === 'ORDERS') continue; // the seed's ORDERS: the name the tests above use
      await admin.upsert({ ...d, metadata: { ...d.metadata, namespace: NS } });
      seen.push([d.kind!, d.metadata.name]);
    }
    for (const [kind, name] of seen) {
      if (kind === 'Consumer' && name === 'order-worker') continue;
      await waitReady(kind, name, (x) => x.status === 'True', 'Ready');
    }
    assert.ok(await js.consumerInfo('mystream', 'my-pull-consumer'));
  });

  ktest('with NACK\'s status schema (observedGeneration and conditions only) the Ready condition alone carries the state', async () => {
    const crd = allCrds().find((c) => (c.metadata as { name: string }).name === 'streams.jetstream.nats.io')!;
    const v = (crd.spec as { versions: { schema: { openAPIV3Schema: { properties: Record<string, unknown> } }; additionalPrinterColumns?: unknown }[] }).versions[0];
    v.schema.openAPIV3Schema.properties.status = {
      type: 'object',
      properties: {
        observedGeneration: { type: 'integer' },
        conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' }, lastTransitionTime: { type: 'string' }, reason: { type: 'string' }, message: { type: 'string' } } } },
      },
    };
    await admin.upsert(crd as never);
    await admin.upsert(cr('Stream', 'nackstyle', { name: 'NACKSTYLE', subjects: ['nackstyle.>'], storage: 'file' }));
    await waitReady('Stream', 'nackstyle', (x) => x.status === 'True', 'Ready');
    await publish('nackstyle.a', 2);
    const c = await waitReady('Stream', 'nackstyle', (x) => /2 messages/.test(x.message), 'the summary in the message', 30_000);
    assert.equal(c.status, 'True');
    const obj = await admin.getResource('streams', NS, 'nackstyle');
    assert.equal(obj!.status!.live, undefined, 'the API server pruned the live summary');
    for (const original of allCrds()) await admin.upsert(original as never);
  });

  ktest('two controller processes: one leader; when it is killed the other takes over within seconds', async () => {
    const second = await startController(saKubeconfig, ['--leader-elect', '--lease-duration', '3s', '--renew-deadline', '2s', '--retry-period', '500ms']);
    const lease = await admin.read<{ spec: { holderIdentity: string } }>('coordination.k8s.io/v1', 'Lease', 'jetkeeper-controller', SYSTEM);
    const first = controllers[0];
    assert.ok(lease?.spec.holderIdentity, 'a holder');
    // the first controller has led since the start of the file: it must still be renewing, not have exited
    assert.equal(first.exitCode, null, `the first leader is still running\n${controllerOutput()}`);
    assert.equal(first.signalCode, null);
    await stopProcess(first, 'SIGKILL');
    await admin.upsert(cr('Stream', 'after-failover', { name: 'FAILOVER', subjects: ['failover.>'], storage: 'file' }));
    await waitReady('Stream', 'after-failover', (x) => x.status === 'True', 'Ready from the new leader', 30_000);
    const now = await admin.read<{ spec: { holderIdentity: string } }>('coordination.k8s.io/v1', 'Lease', 'jetkeeper-controller', SYSTEM);
    assert.notEqual(now?.spec.holderIdentity, lease?.spec.holderIdentity);
    assert.equal(second.child.exitCode, null);
  });
});
