/**
 * Accounts and security on one `up --secure` cluster (3 real nats-servers in operator mode with a
 * full resolver and TLS): tenant isolation and imports, the role templates' permissions, account
 * JetStream quotas at plan time and on the server, revocation, TLS errors, and no secret in any
 * output. The CLI runs as a process (bin/jetkeeper.js) wherever a user would run it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, credsAuthenticator, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, AckPolicy, StorageType } from '@nats-io/jetstream';
import type { LocalCluster } from '../../src/local/cluster.js';
import { clusterSettings } from '../../src/local/cluster.js';
import { makeCa } from '../../src/local/tls.js';
import { openConnection } from '../../src/nats/admin.js';
import { JkError } from '../../src/errors.js';
import { makeTempDir, startTestCluster } from '../helpers/servers.js';
import { eventually } from '../helpers/monitor.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'bin', 'jetkeeper.js');
const CLEAN_ENV = { NATS_URL: '', NATS_USER: '', NATS_PASSWORD: '', NATS_TOKEN: '', NATS_CREDS: '', NATS_NKEY: '', NATS_CONTEXT: '' };

/** The certificates come from the machine's openssl: without it these tests are skipped, said so. */
const NO_OPENSSL = spawnSync('openssl', ['version']).error ? 'openssl is not installed: cannot make the local CA' : false;
const it = (name: string, fn: () => Promise<void> | void): void => void test(name, { skip: NO_OPENSSL }, fn);

let cluster: LocalCluster;
let keys: string;
let manifests: string;
let ca: string;
const outputs: string[] = [];
const open: NatsConnection[] = [];

function jk(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...CLEAN_ENV }, encoding: 'utf8', timeout: 60_000 });
  outputs.push(r.stdout, r.stderr);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function creds(account: string, user: string): string {
  return join(keys, 'creds', account, `${user}.creds`);
}

async function as(account: string, user: string, extra: { reconnect?: boolean } = {}): Promise<NatsConnection> {
  const nc = await connect({ servers: cluster.urls, authenticator: credsAuthenticator(readFileSync(creds(account, user))), tls: { caFile: ca }, ...extra });
  open.push(nc);
  return nc;
}

/** The server's permission errors this connection has seen. */
function violations(nc: NatsConnection): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const s of nc.status()) if (s.type === 'error') seen.push(String(s.error?.message ?? s.error));
  })();
  return seen;
}

/** Messages a subscription has received so far. */
function collect(sub: Subscription): string[] {
  const got: string[] = [];
  void (async () => {
    for await (const m of sub) got.push(`${m.subject} ${m.string()}`);
  })();
  return got;
}

const EXTRA = `
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsAccount
metadata: { name: audit }
spec:
  jetstream: { diskStorage: 1MiB, memoryStorage: 1MiB, streams: 2 }
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsUser
metadata: { name: auditor }
spec: { account: audit, permissions: {} }
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsUser
metadata: { name: leaver }
spec: { account: orders, permissions: {} }
`;

before(async () => {
  if (NO_OPENSSL) return;
  cluster = await startTestCluster(3, { secure: true });
  const s = cluster.secure!;
  keys = s.keys;
  manifests = s.manifests;
  ca = s.tls.ca;
  appendFileSync(join(manifests, 'security.yaml'), EXTRA);
  const apply = jk(['accounts', 'apply', '-f', manifests, '--keys', keys, '-o', 'json']);
  assert.equal(apply.code, 0, apply.stderr + apply.stdout);
  const push = jk(['accounts', 'push', '-f', manifests, '--keys', keys, '-s', cluster.urls.join(','), '--tlsca', ca, '-o', 'json']);
  assert.equal(push.code, 0, push.stderr + push.stdout);
});

after(async () => {
  await Promise.all(open.map((nc) => nc.close().catch(() => {})));
  await cluster?.stop({ purge: true });
});

it('up --secure: every server runs in operator mode with TLS on client and route ports, and push reached all three', async () => {
  const r = jk(['accounts', 'push', '-f', manifests, '--keys', keys, '--account', 'audit', '-s', cluster.urls[0]!, '--tlsca', ca, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { servers: string[]; updates: { account: string; replies: { server: string; accepted: boolean }[] }[]; ok: boolean };
  assert.deepEqual(report.servers, ['n1', 'n2', 'n3']);
  assert.deepEqual(report.updates[0]!.replies.map((x) => [x.server, x.accepted]), [['n1', true], ['n2', true], ['n3', true]]);
  for (const sv of cluster.servers) {
    const varz = (await (await fetch(`${sv.monitorUrl}/varz`)).json()) as { tls_required?: boolean; cluster?: { tls_required?: boolean }; operator_mode?: boolean; trusted_operators_claim?: unknown[] };
    assert.equal(varz.tls_required, true, `${sv.name} client TLS`);
    assert.equal(varz.cluster?.tls_required, true, `${sv.name} route TLS`);
    assert.ok((varz.trusted_operators_claim ?? []).length === 1, `${sv.name} trusts one operator`);
  }
  const routez = (await (await fetch(`${cluster.servers[0]!.monitorUrl}/routez`)).json()) as { num_routes: number };
  assert.ok(routez.num_routes >= 2);
});

it('push reports a server that refuses: a JWT that is not an account JWT is refused by all three, exit 1', () => {
  const foreign = makeTempDir('jk-foreign-');
  const example = join(root, 'examples', 'security');
  assert.equal(jk(['accounts', 'apply', '-f', example, '--keys', foreign]).code, 0);
  // a user JWT where the account JWT should be (a damaged key directory)
  writeFileSync(join(foreign, 'jwt', 'accounts', 'orders.jwt'), readFileSync(join(foreign, 'jwt', 'users', 'orders', 'checkout.jwt')));
  const args = ['accounts', 'push', '-f', example, '--keys', foreign, '--account', 'orders', '-s', cluster.urls.join(','), '--tlsca', ca, '--creds', cluster.secure!.systemCreds];
  const r = jk([...args, '-o', 'json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; updates: { replies: { server: string; accepted: boolean; message: string }[] }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(report.updates[0]!.replies.map((x) => [x.server, x.accepted]), [['n1', false], ['n2', false], ['n3', false]]);
  assert.ok(report.updates[0]!.replies.every((x) => x.message.length > 0));
  const text = jk(args);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /orders: accepted by 0\/3/);
  assert.match(text.stdout, /n1 refused: /);
});

it('another account does not see orders.created; payments sees it through its import, and only that subject', async () => {
  const orders = await as('orders', 'admin');
  const payments = await as('payments', 'payments');
  const audit = await as('audit', 'auditor');
  const paymentsCreated = collect(payments.subscribe('orders.created'));
  const paymentsPaid = collect(payments.subscribe('orders.paid'));
  const auditCreated = collect(audit.subscribe('orders.created'));
  const auditAll = collect(audit.subscribe('>'));
  await Promise.all([payments.flush(), audit.flush()]);
  // the import's interest reaches the exporting account across the cluster
  await eventually('payments receives orders.created', async () => {
    orders.publish('orders.created', 'probe');
    await orders.flush();
    return paymentsCreated.length > 0 ? true : undefined;
  }, 15_000);
  orders.publish('orders.paid', 'not exported');
  orders.publish('orders.created', 'last');
  await orders.flush();
  await eventually('the last message arrives', async () => (paymentsCreated.some((m) => m.endsWith('last')) ? true : undefined));
  // audit subscribed before the probes; the same publishes reached payments, so their absence here is the answer
  await audit.flush();
  assert.deepEqual(auditCreated, []);
  assert.deepEqual(auditAll, []);
  assert.deepEqual(paymentsPaid, []);
});

it('checkout may publish orders.created but is refused subscribe on payments.> and publish on $JS.API.STREAM.DELETE.*', async () => {
  const admin = await as('orders', 'admin');
  const jsm = await jetstreamManager(admin);
  await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.created', 'orders.paid'], storage: StorageType.File, num_replicas: 3, max_bytes: 64 * 1024 * 1024 });
  const checkout = await as('orders', 'checkout');
  const seen = violations(checkout);
  const sub = checkout.subscribe('payments.>');
  const closed = await sub.closed;
  assert.match(String(closed), /Permissions Violation for Subscription to "payments\.>"/);
  const ack = await jetstream(checkout).publish('orders.created', 'order-1');
  assert.equal(ack.stream, 'ORDERS');
  checkout.publish('$JS.API.STREAM.DELETE.ORDERS', '');
  await checkout.flush();
  await eventually('the server reports the publish violation', async () => (seen.some((x) => /Permissions Violation for Publish to "\$JS\.API\.STREAM\.DELETE\.ORDERS"/.test(x)) ? true : undefined));
  const info = await jsm.streams.info('ORDERS');
  assert.ok(info.state.messages >= 1, 'the stream is still there');
});

it('fulfillment pulls and acks its own durable only, and cannot delete the stream', async () => {
  const admin = await as('orders', 'admin');
  const jsm = await jetstreamManager(admin);
  for (const durable of ['fulfillment-created', 'analytics-created']) {
    await jsm.consumers.add('ORDERS', { durable_name: durable, filter_subject: 'orders.created', ack_policy: AckPolicy.Explicit });
  }
  await jetstream(admin).publish('orders.created', 'order-2');
  const fulfillment = await as('orders', 'fulfillment');
  const seen = violations(fulfillment);
  const c = await jetstream(fulfillment).consumers.get('ORDERS', 'fulfillment-created');
  const m = await c.next({ expires: 5000 });
  assert.ok(m, 'a message was pulled');
  await m.ackAck();
  const ci = await jsm.consumers.info('ORDERS', 'fulfillment-created');
  assert.equal(ci.num_ack_pending, 0);
  assert.ok(ci.delivered.stream_seq >= 1);
  await assert.rejects(jetstream(fulfillment, { timeout: 2000 }).consumers.get('ORDERS', 'analytics-created'));
  const fjsm = await jetstreamManager(fulfillment, { checkAPI: false, timeout: 2000 });
  await assert.rejects(fjsm.streams.delete('ORDERS'));
  assert.ok(seen.some((x) => /Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.INFO\.ORDERS\.analytics-created"/.test(x)), seen.join('\n'));
  assert.equal((await jsm.streams.info('ORDERS')).config.name, 'ORDERS');
  assert.equal((await jsm.consumers.info('ORDERS', 'analytics-created')).num_ack_pending, 0);
});

it('a stream beyond the account JetStream quota is refused at plan time with the numbers, and by the server too', async () => {
  const streamFile = join(makeTempDir('jk-quota-'), 'stream.yaml');
  writeFileSync(streamFile, 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: audit-log }\nspec:\n  name: AUDIT\n  account: audit\n  subjects: [audit.>]\n  storage: file\n  maxBytes: 2097152\n');
  const r = jk(['accounts', 'plan', '-f', manifests, '-f', streamFile, '--keys', keys]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /stream\.yaml:9:\d+: JK8007 Stream\/AUDIT spec\.maxBytes: needs 2 MiB of file \(disk\) storage .* the account has 1 MiB \(NatsAccount\/audit spec\.jetstream\)/);
  assert.match(r.stderr, /fix: raise the limit in spec\.jetstream of NatsAccount\/audit/);
  const audit = await as('audit', 'auditor');
  const jsm = await jetstreamManager(audit);
  await assert.rejects(jsm.streams.add({ name: 'AUDIT', subjects: ['audit.>'], storage: StorageType.File, max_bytes: 2 * 1024 * 1024 }), /insufficient storage|resources exceeded/i);
  await jsm.streams.add({ name: 'AUDIT', subjects: ['audit.>'], storage: StorageType.File, max_bytes: 512 * 1024 });
});

it('revoking a user and pushing the account disconnects it, and it cannot connect again', async () => {
  const leaver = await as('orders', 'leaver', { reconnect: false });
  const closed = leaver.closed();
  const file = join(manifests, 'security.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace('spec: { account: orders, permissions: {} }\n', 'spec: { account: orders, permissions: {}, revoked: true }\n'));
  const plan = jk(['accounts', 'plan', '-f', manifests, '--keys', keys, '-o', 'json']);
  const p = JSON.parse(plan.stdout) as { changes: { resource: string; action: string; changes: { field: string }[] }[] };
  assert.equal(p.changes.find((c) => c.resource === 'NatsUser/leaver')?.action, 'revoke');
  assert.ok(p.changes.find((c) => c.resource === 'NatsAccount/orders')?.changes.some((c) => c.field.startsWith('nats.revocations.')));
  assert.equal(jk(['accounts', 'apply', '-f', manifests, '--keys', keys]).code, 0);
  const push = jk(['accounts', 'push', '-f', manifests, '--keys', keys, '--account', 'orders', '-s', cluster.urls.join(','), '--tlsca', ca]);
  assert.equal(push.code, 0, push.stdout + push.stderr);
  await closed;
  assert.ok(leaver.isClosed());
  await assert.rejects(openConnection({ ...clusterSettings(cluster), creds: creds('orders', 'leaver') }), (e: unknown) => e instanceof JkError && e.code === 'JK2001' && /Authorization Violation|Authentication Revoked/.test(e.message));
});

it('TLS with a CA that did not sign the server certificate fails with JK2101 naming the CA file', async () => {
  const wrong = makeCa(makeTempDir('jk-wrong-ca-'), 'some other CA');
  await assert.rejects(openConnection({ ...clusterSettings(cluster), tls: { ca: wrong.ca } }), (e: unknown) => {
    assert.ok(e instanceof JkError);
    assert.equal(e.code, 'JK2101');
    assert.match(e.message, /not signed by a CA this client trusts/);
    assert.match(e.fix ?? '', new RegExp(wrong.ca.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    return true;
  });
  const r = jk(['get', 'streams', '-s', cluster.urls[0]!, '--tlsca', wrong.ca, '--creds', creds('orders', 'jetkeeper')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /JK2101/);
});

it('the jetkeeper controller user reconciles streams through the CLI with the cluster context', () => {
  const file = join(makeTempDir('jk-ctl-'), 'pdf.yaml');
  writeFileSync(file, 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: pdf }\nspec: { name: PDF_TASKS, subjects: [pdf.render.request], storage: file, replicas: 3, retention: workqueue, maxBytes: 1048576 }\n');
  const r = jk(['apply', '-f', file, '--context', cluster.contextFile, '-o', 'json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const again = jk(['plan', '-f', file, '--context', cluster.contextFile, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
});

it('no seed, private key or JWT signature appears in any output of this run or in the server logs', () => {
  const seeds = listFiles(join(keys, 'seeds')).map((f) => readFileSync(f, 'utf8').trim());
  assert.ok(seeds.length >= 10);
  const tlsKey = readFileSync(cluster.secure!.tls.key, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'));
  const logs = cluster.servers.map((s) => readFileSync(s.logFile, 'utf8'));
  const all = [...outputs, ...logs].join('\n');
  assert.ok(all.length > 1000, 'outputs were captured');
  for (const seed of seeds) assert.ok(!all.includes(seed), 'a seed leaked');
  assert.doesNotMatch(all, /\bS[OAU][A-Z2-7]{56}\b/);
  for (const line of tlsKey) assert.ok(!all.includes(line), 'the TLS key leaked');
  assert.doesNotMatch(all, /BEGIN (USER NKEY SEED|PRIVATE KEY|EC PRIVATE KEY)/);
  for (const f of [...listFiles(join(keys, 'seeds')), ...listFiles(join(keys, 'creds'))]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
});

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)]));
}
