/** Accounts and users as code, without a server: validation with positions, plan/apply over a key directory, claims, quotas, lint rules. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode } from '@nats-io/jwt';
import { JkError, JkErrors } from '../../src/errors.js';
import { loadManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import {
  applyAccounts, checkStreamQuotas, CONTROLLER_API, lintAccounts, planAccounts, securityModel, sharedUsers, streamsIntoOtherPrefixes, unapprovedExports, usersWithoutExpiry,
  validateSecurityDocuments, wildcardPermissions,
} from '../../src/accounts/index.js';
import { parseSize } from '../../src/resources/security.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const BASE = readFileSync(new URL('../../../test/fixtures/lint/security-open-user.yaml', import.meta.url), 'utf8');

async function docsOf(text: string) {
  const dir = tmp('jk-acc-');
  writeFileSync(join(dir, 'security.yaml'), text);
  return { docs: await loadManifests([join(dir, 'security.yaml')], () => Promise.resolve('')), file: join(dir, 'security.yaml') };
}

function errorsOf(fn: () => unknown): JkError[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof JkErrors) return e.errors;
    if (e instanceof JkError) return [e];
    throw e;
  }
  assert.fail('no error');
}

const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

test('sizes: numbers, -1 and units; anything else is refused', () => {
  assert.equal(parseSize(1024), 1024);
  assert.equal(parseSize(-1), -1);
  assert.equal(parseSize('1GB'), 1024 ** 3);
  assert.equal(parseSize('512MiB'), 512 * 1024 ** 2);
  assert.equal(parseSize('10K'), 10240);
  for (const bad of ['1.5GB', 'lots', '-2', -2, 1.5]) assert.equal(parseSize(bad as never), undefined, String(bad));
});

test('the example validates; errors carry code, resource, field, file:line and a fix', async () => {
  assert.ok(validateSecurityDocuments((await docsOf(BASE)).docs).model);
  const bad = BASE.replace('spec: { account: orders, service: checkout, role: checkout, expiry: 2160h }', 'spec: { account: order, service: checkout, role: checkot, expiry: 2160h, permisions: {} }')
    .replace('jetstream: { diskStorage: 256MB, streams: 2 }', 'jetstream: { diskStorage: lots, streams: 2 }');
  const { docs, file } = await docsOf(bad);
  const v = validateSecurityDocuments(docs);
  assert.equal(v.model, undefined);
  const byCode = Object.fromEntries(v.errors.map((e) => [e.code, e]));
  assert.equal(byCode.JK1004?.field, 'spec.permisions');
  assert.match(byCode.JK1004!.fix!, /did you mean "permissions"/);
  assert.equal(byCode.JK1004!.at?.file, file);
  assert.equal(byCode.JK1005?.resource, 'NatsAccount/payments');
  assert.equal(byCode.JK1005?.field, 'spec.jetstream.diskStorage');
  assert.ok(byCode.JK1005!.at!.line > 1);
  // references are checked once the documents are valid
  const refs = validateSecurityDocuments((await docsOf(BASE.replace('spec: { account: orders, service: checkout, role: checkout', 'spec: { account: order, service: checkout, role: checkot'))).docs);
  assert.deepEqual(refs.errors.map((e) => [e.code, e.resource, e.field]), [['JK8002', 'NatsUser/checkout', 'spec.account'], ['JK8005', 'NatsUser/checkout', 'spec.role']]);
  assert.match(refs.errors[0]!.message, /account "order" is not declared \(NatsAccounts: sys, orders, payments\)/);
});

test('imports need a matching export, approved for the importer; one operator; no JetStream in the system account', async () => {
  const cases: [string, string, string][] = [
    [BASE.replace('{ account: orders, subject: orders.created, type: stream }', '{ account: orders, subject: orders.paid, type: stream }'), 'JK8003', 'exports no stream that covers "orders.paid"'],
    [BASE.replace('approvedAccounts: [payments]', 'approvedAccounts: [sys]'), 'JK8004', 'not approved for payments'],
    [BASE.replace(/apiVersion: jetstream.jetkeeper.io\/v1alpha1\nkind: Operator[\s\S]*?---\n/, ''), 'JK8001', 'no Operator declared'],
    [BASE.replace('  name: SYS', '  name: SYS\n  jetstream: {}'), 'JK8006', 'cannot have JetStream'],
  ];
  for (const [text, code, message] of cases) {
    const v = validateSecurityDocuments((await docsOf(text)).docs);
    assert.equal(v.errors[0]?.code, code, v.errors.map((e) => e.format()).join('\n'));
    assert.match(v.errors[0]!.message, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
});

test('plan -> apply -> plan: everything created once, then no changes; seeds 0600, never in plan or apply output', async () => {
  const { docs } = await docsOf(BASE);
  const keys = tmp('jk-keys-');
  const first = planAccounts(docs, keys);
  assert.deepEqual(first.summary, { create: 12, update: 0, noop: 0, revoke: 0 });
  assert.deepEqual(readdirSync(keys), [], 'plan writes nothing');
  const r = await applyAccounts(docs, keys, { url: 'tls://127.0.0.1:4222', ca: '/ca.pem' });
  const seeds = files(join(keys, 'seeds'));
  assert.equal(seeds.length, 12);
  for (const f of [...seeds, ...files(join(keys, 'creds'))]) assert.equal(statSync(f).mode & 0o777, 0o600, f);
  const out = JSON.stringify(r) + JSON.stringify(first);
  for (const f of seeds) assert.ok(!out.includes(readFileSync(f, 'utf8').trim()));
  assert.doesNotMatch(out, /S[OAU][A-Z2-7]{56}/);
  assert.deepEqual(planAccounts(docs, keys).summary, { create: 0, update: 0, noop: 12, revoke: 0 });
  const ctx = JSON.parse(readFileSync(r.context, 'utf8')) as { url: string; creds: string; ca: string };
  assert.deepEqual(ctx, { description: 'jetkeeper: system user of operator local', url: 'tls://127.0.0.1:4222', creds: join(keys, 'creds', 'sys', 'system.creds'), ca: '/ca.pem' });
  // a second apply keeps every key
  const before = files(join(keys, 'seeds')).map((f) => readFileSync(f, 'utf8'));
  await applyAccounts(docs, keys);
  assert.deepEqual(files(join(keys, 'seeds')).map((f) => readFileSync(f, 'utf8')), before);
});

test('plan names the claims that change, from and to', async () => {
  const keys = tmp('jk-keys-');
  await applyAccounts((await docsOf(BASE)).docs, keys);
  const changed = BASE.replace('subscribe: { allow: [orders.created, _INBOX.>] }', 'subscribe: { allow: [orders.created] }').replace('diskStorage: 256MB', 'diskStorage: 512MB');
  const plan = planAccounts((await docsOf(changed)).docs, keys);
  assert.deepEqual(plan.summary, { create: 0, update: 2, noop: 10, revoke: 0 });
  const user = plan.changes.find((c) => c.resource === 'NatsUser/payments-reader')!;
  assert.deepEqual(user.changes, [{ field: 'nats.sub.allow', from: ['orders.created', '_INBOX.>'], to: ['orders.created'] }]);
  const acc = plan.changes.find((c) => c.resource === 'NatsAccount/payments')!;
  assert.deepEqual(acc.changes, [{ field: 'nats.limits.disk_storage', from: 256 * 1024 ** 2, to: 512 * 1024 ** 2 }]);
  assert.match(acc.publicKey!, /^A[A-Z2-7]{55}$/);
});

test('the issued JWTs: the chain of trust, role permissions, limits, and an activation token signed by the exporter', async () => {
  const keys = tmp('jk-keys-');
  const r = await applyAccounts((await docsOf(BASE)).docs, keys);
  const op = decode<Record<string, unknown>>(readFileSync(r.operatorJwt, 'utf8').trim());
  assert.equal(op.iss, op.sub);
  assert.equal(op.nats.system_account, r.systemAccount);
  const orders = decode<{ limits: Record<string, number>; exports: { subject: string; token_req: boolean }[] }>(readFileSync(r.accountJwts.orders!, 'utf8').trim());
  assert.equal(orders.iss, op.sub);
  assert.equal(orders.nats.limits!.disk_storage, 1024 ** 3);
  assert.equal(orders.nats.limits!.streams, 10);
  assert.deepEqual(orders.nats.exports, [{ name: 'orders.created', subject: 'orders.created', type: 'stream', token_req: true }]);
  const payments = decode<{ imports: { account: string; token: string }[] }>(readFileSync(r.accountJwts.payments!, 'utf8').trim());
  const activation = decode<{ subject: string }>(payments.nats.imports![0]!.token);
  assert.equal(activation.iss, orders.sub);
  assert.equal(activation.sub, payments.sub);
  assert.equal(activation.nats.subject, 'orders.created');
  const creds = readFileSync(r.creds['orders/checkout']!, 'utf8');
  const userJwt = /-----BEGIN NATS USER JWT-----\n(.+)\n/.exec(creds)![1]!;
  const checkout = decode<{ pub: { allow: string[]; deny: string[] }; sub: { allow: string[]; deny: string[] } }>(userJwt);
  assert.equal(checkout.iss, orders.sub);
  assert.deepEqual(checkout.nats.pub, { allow: ['orders.created', 'fraud.check'], deny: ['$JS.API.>'] });
  assert.deepEqual(checkout.nats.sub, { allow: ['_INBOX.>'], deny: ['payments.>'] });
  // the JWT library stamps iat itself, possibly a second after jetkeeper computed exp
  assert.ok(Math.abs(checkout.exp! - checkout.iat - 2160 * 3600) <= 2);
  const controller = decode<{ pub: { allow: string[] } }>(/JWT-----\n(.+)\n/.exec(readFileSync(r.creds['orders/jetkeeper']!, 'utf8'))![1]!);
  assert.deepEqual(controller.nats.pub!.allow, CONTROLLER_API);
  assert.ok(!CONTROLLER_API.some((s) => /PURGE|MSG\.(GET|DELETE)|SNAPSHOT|RESTORE|SERVER|META|PEER/.test(s)));
});

test('a seed file others can read is refused, and a file that is not a seed of that type too', async () => {
  const { docs } = await docsOf(BASE);
  const keys = tmp('jk-keys-');
  await applyAccounts(docs, keys);
  const seed = join(keys, 'seeds', 'accounts', 'orders.nk');
  chmodSync(seed, 0o644);
  assert.deepEqual(errorsOf(() => planAccounts(docs, keys)).map((e) => e.code), ['JK8010']);
  chmodSync(seed, 0o600);
  writeFileSync(seed, readFileSync(join(keys, 'seeds', 'users', 'orders', 'checkout.nk')));
  const e = errorsOf(() => planAccounts(docs, keys))[0]!;
  assert.equal(e.code, 'JK8011');
  assert.doesNotMatch(e.format(), /S[OAU][A-Z2-7]{56}/);
});

test('revoked: the account lists the user with a stable time, and the user is not issued again', async () => {
  const keys = tmp('jk-keys-');
  await applyAccounts((await docsOf(BASE)).docs, keys);
  const revoked = BASE.replace('spec: { account: orders, service: fraud, role: fraud, expiry: 2160h }', 'spec: { account: orders, service: fraud, role: fraud, expiry: 2160h, revoked: true }');
  const { docs } = await docsOf(revoked);
  const plan = planAccounts(docs, keys);
  assert.equal(plan.changes.find((c) => c.resource === 'NatsUser/fraud')!.action, 'revoke');
  assert.match(plan.changes.find((c) => c.resource === 'NatsAccount/orders')!.changes[0]!.field, /^nats\.revocations\.U[A-Z2-7]{55}$/);
  await applyAccounts(docs, keys);
  assert.deepEqual(planAccounts(docs, keys).summary, { create: 0, update: 0, noop: 12, revoke: 0 });
});

test('stream quotas at plan time: total storage (maxBytes x replicas), streams per account, per-stream maximum', async () => {
  const m = securityModel((await docsOf(BASE.replace('jetstream: { diskStorage: 256MB, streams: 2 }', 'jetstream: { diskStorage: 256MB, streams: 2, diskMaxStreamBytes: 200MB }'))).docs);
  const stream = (name: string, maxBytes: number, replicas = 1) => `apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: ${name.toLowerCase()} }\nspec: { name: ${name}, account: payments, subjects: [${name.toLowerCase()}.>], storage: file, replicas: ${replicas}, maxBytes: ${maxBytes} }\n`;
  const check = async (text: string) => checkStreamQuotas(m.accounts, validateDocuments((await docsOf(text)).docs, { references: 'warning' }).resources);
  const MiB = 1024 ** 2;
  assert.deepEqual(await check(stream('A', 100 * MiB) + '---\n' + stream('B', 100 * MiB)), []);
  const over = await check(stream('A', 100 * MiB, 3));
  assert.equal(over[0]!.code, 'JK8007');
  assert.match(over[0]!.message, /needs 300 MiB of file \(disk\) storage \(maxBytes 100 MiB x 3 replicas\), 0 B are taken .* the account has 256 MiB/);
  assert.equal(over[0]!.field, 'spec.maxBytes');
  assert.ok(over[0]!.at!.line >= 1);
  assert.match((await check(stream('A', 10 * MiB) + '---\n' + stream('B', 10 * MiB) + '---\n' + stream('C', 10 * MiB)))[0]!.message, /stream 3 of the account, but it may have 2/);
  assert.match((await check(stream('A', 210 * MiB)))[0]!.message, /above the account's 200 MiB per stream/);
});

test('lint: wildcards, shared users, unapproved exports, users without expiry, streams in another team\'s prefix', async () => {
  const text = BASE.replace('subscribe: { allow: [orders.created, _INBOX.>] }', 'subscribe: { allow: [">"] }')
    .replace('- { subject: orders.created, type: stream, approvedAccounts: [payments] }', '- { subject: orders.created, type: stream, approvedAccounts: [payments] }\n    - { subject: orders.fulfilled, type: stream }');
  const m = securityModel((await docsOf(text)).docs);
  const w = wildcardPermissions(m);
  assert.deepEqual(w.map((f) => [f.resource, f.field]), [['NatsUser/payments-reader', 'spec.permissions.publish'], ['NatsUser/payments-reader', 'spec.permissions.subscribe.allow.0']]);
  assert.deepEqual(sharedUsers(m).map((f) => f.resource), []);
  const shared = sharedUsers(m, [{ service: 'checkout', user: 'checkout' }, { service: 'analytics', user: 'checkout' }]);
  assert.deepEqual(shared.map((f) => f.message), ['the user is shared by 2 services (analytics, checkout)']);
  assert.deepEqual(unapprovedExports(m).map((f) => [f.resource, f.field]), [['NatsAccount/orders', 'spec.exports.1']]);
  assert.deepEqual(usersWithoutExpiry(m).map((f) => f.resource), ['NatsUser/jetkeeper', 'NatsUser/payments-reader']);
  assert.deepEqual(usersWithoutExpiry(m, { exemptRoles: ['controller'], maxExpiry: '720h' }).map((f) => [f.resource, f.message.slice(0, 30)]).slice(0, 2), [['NatsUser/checkout', "the user is valid for longer t"], ['NatsUser/fraud', "the user is valid for longer t"]]);
  const streams = validateDocuments((await docsOf('apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: pay }\nspec: { name: PAY, account: payments, subjects: [payments.>, orders.*] }\n')).docs, { references: 'warning' }).resources;
  const p = streamsIntoOtherPrefixes(streams, { orders: ['orders.>'], payments: ['payments.>'] });
  assert.deepEqual(p.map((f) => [f.resource, f.field, f.message]), [['Stream/PAY', 'spec.subjects.1', '"orders.*" reaches into orders\'s prefix orders.> (the stream belongs to payments)']]);
  assert.ok(lintAccounts(m).length >= w.length + 3);
  // the example itself is clean but for the controller's missing expiry (exempt by policy) and the admin-free roles
  assert.deepEqual(lintAccounts(securityModel((await docsOf(BASE)).docs), { expiry: { exemptRoles: ['controller'] } }).map((f) => f.resource), ['NatsUser/payments-reader', 'NatsUser/payments-reader']);
});

test('certificate problems get their own codes, without secrets', async () => {
  const { certificateError } = await import('../../src/nats/admin.js');
  const s = { servers: ['tls://127.0.0.1:4222'], tls: { ca: '/etc/ca.pem' }, password: 'pw-secret' };
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  assert.equal(certificateError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), s)?.code, 'JK2101');
  assert.match(certificateError(err('SELF_SIGNED_CERT_IN_CHAIN'), s)!.fix!, /\/etc\/ca\.pem/);
  assert.equal(certificateError(err('CERT_HAS_EXPIRED'), s)?.code, 'JK2102');
  assert.match(certificateError(err('CERT_NOT_YET_VALID'), s)!.message, /not valid yet/);
  assert.equal(certificateError(err('ERR_TLS_CERT_ALTNAME_INVALID'), s)?.code, 'JK2103');
  assert.equal(certificateError(new Error("/etc/ca.pem doesn't exist"), s)?.code, 'JK2104');
  // without a CA of its own the client used the system's: still the connection error, with the reason
  const noCa = certificateError(err('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'pw-secret'), { servers: ['tls://127.0.0.1:4222'], password: 'pw-secret' })!;
  assert.equal(noCa.code, 'JK2001');
  assert.match(noCa.message, /not signed by a CA this client trusts/);
  assert.doesNotMatch(noCa.format(), /pw-secret/);
  assert.equal(certificateError(Object.assign(new Error('Authorization Violation'), { name: 'AuthorizationError' }), s), undefined);
  assert.equal(certificateError(err('ECONNREFUSED'), s), undefined);
});

test('a user JWT that expired, or has less than a third of its validity left, is planned for renewal', async () => {
  const { docs } = await docsOf(BASE);
  const keys = tmp('jk-keys-');
  await applyAccounts(docs, keys);
  const { prepare, planSecurity } = await import('../../src/accounts/plan.js');
  const { KeyStore } = await import('../../src/accounts/keys.js');
  const { securityModel: model } = await import('../../src/accounts/index.js');
  const at = (seconds: number) => planSecurity(prepare(model(docs), new KeyStore(keys), false, Math.floor(Date.now() / 1000) + seconds));
  assert.equal(at(0).summary.update, 0);
  const late = at(2160 * 3600 * 0.7);
  assert.deepEqual(late.changes.filter((c) => c.action === 'update').map((c) => c.resource), ['NatsUser/checkout', 'NatsUser/fraud', 'NatsUser/fulfillment', 'NatsUser/analytics', 'NatsUser/pdf-worker']);
  assert.match(String(late.changes.find((c) => c.resource === 'NatsUser/checkout')!.changes[0]!.to), /less than a third/);
  assert.match(String(at(2160 * 3600 + 10).changes.find((c) => c.resource === 'NatsUser/checkout')!.changes[0]!.to), /expired/);
});

test('the JSON Schemas of the security kinds accept the example and refuse an unknown field', async () => {
  const { default: Ajv2020 } = (await import('ajv/dist/2020.js')) as unknown as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] } } };
  const { securityJsonSchema } = await import('../../src/accounts/index.js');
  const ajv = new Ajv2020({ strict: false });
  const { docs } = await docsOf(BASE);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  for (const d of docs) {
    const kind = String(d.data.kind);
    if (!compiled.has(kind)) compiled.set(kind, ajv.compile(securityJsonSchema(kind)!));
    const validate = compiled.get(kind)!;
    assert.ok(validate(d.data), JSON.stringify(validate.errors));
  }
  const user = compiled.get('NatsUser')!;
  assert.equal(user({ apiVersion: 'jetstream.jetkeeper.io/v1alpha1', kind: 'NatsUser', metadata: { name: 'x' }, spec: { account: 'a', permisions: {} } }), false);
  assert.equal(securityJsonSchema('Stream'), undefined);
});

test('signingKey: accounts are signed by an operator signing key that the operator JWT lists', async () => {
  const keys = tmp('jk-keys-');
  const r = await applyAccounts((await docsOf(BASE.replace('  systemAccount: sys\n', '  systemAccount: sys\n  signingKey: true\n'))).docs, keys);
  const op = decode<{ signing_keys: string[] }>(readFileSync(r.operatorJwt, 'utf8').trim());
  assert.equal(op.nats.signing_keys!.length, 1);
  const orders = decode(readFileSync(r.accountJwts.orders!, 'utf8').trim());
  assert.equal(orders.iss, op.nats.signing_keys![0]);
  assert.notEqual(orders.iss, op.sub);
  assert.equal(statSync(join(keys, 'seeds', 'operator', 'local.signing.nk')).mode & 0o777, 0o600);
});
