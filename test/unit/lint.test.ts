/**
 * Policy lint: every rule fires on a manifest that has its problem and stays quiet on the same
 * manifest without it; findings carry rule id, severity, resource, field, file:line:col, fix and
 * docs; configuration levels, cluster size, non-critical marker and inline ignores.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseManifests } from '../../src/manifests/load.js';
import { DEFAULT_CONFIG, lintDocuments, lintExitCode, parseLintConfig, RULES, type LintConfig, type LintReport } from '../../src/lint/index.js';
import { JkError } from '../../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
type Obj = Record<string, unknown>;

const manifest = (kind: string, name: string, spec: Obj, metadata: Obj = {}) =>
  ({ apiVersion: 'jetstream.nats.io/v1beta2', kind, metadata: { name, ...metadata }, spec });

const STREAM = { name: 'ORDERS', subjects: ['orders.created', 'orders.paid'], storage: 'file', replicas: 3, maxAge: '24h' };
const CONSUMER = { streamName: 'ORDERS', durableName: 'worker', filterSubject: 'orders.created', ackPolicy: 'explicit', ackWait: '30s', maxDeliver: 5 };

const stream = (over: Obj = {}, metadata: Obj = {}, name = 'orders') => manifest('Stream', name, { ...STREAM, ...over }, metadata);
const consumer = (over: Obj = {}, metadata: Obj = {}, name = 'worker') => manifest('Consumer', name, { ...CONSUMER, durableName: name, ...over }, metadata);

/** The security model (jetstream.jetkeeper.io): one operator, the system account, the orders and payments accounts, one user. */
const sec = (kind: string, name: string, spec: Obj) => ({ apiVersion: 'jetstream.jetkeeper.io/v1alpha1', kind, metadata: { name }, spec });
const EXPORT = { subject: 'orders.created', type: 'stream', approvedAccounts: ['payments'] };
const security = (user: Obj = {}, exp: Obj = EXPORT) => [
  sec('Operator', 'local', { systemAccount: 'sys', serviceUrls: ['nats://127.0.0.1:4222'] }),
  sec('NatsAccount', 'sys', { name: 'SYS' }),
  sec('NatsAccount', 'orders', { exports: [exp] }),
  sec('NatsAccount', 'payments', { imports: [{ account: 'orders', subject: 'orders.created', type: 'stream' }] }),
  sec('NatsUser', 'checkout', { account: 'orders', service: 'checkout', role: 'checkout', expiry: '2160h', ...user }),
];
const policy = (over: Obj) => sec('BackupPolicy', 'nightly', { schedule: '30 2 * * *', destination: '/backups', ...over });
const OPEN = { role: undefined, permissions: { publish: { allow: ['>'] }, subscribe: { allow: ['_INBOX.>'] } } };

const text = (docs: Obj[]) => docs.map((d) => stringify(d)).join('---\n');

function lint(docs: Obj[], config: LintConfig = DEFAULT_CONFIG): LintReport {
  return lintDocuments(parseManifests(text(docs), 'm.yaml'), config);
}
const ids = (r: LintReport) => r.findings.map((f) => f.ruleId);
const only = (r: LintReport, id: string) => r.findings.filter((f) => f.ruleId === id);
const withConfig = (over: Partial<LintConfig>): LintConfig => ({ ...DEFAULT_CONFIG, ...over });

test('the baseline stream and consumer lint clean', () => {
  assert.deepEqual(ids(lint([stream(), consumer()])), []);
});

interface Case { id: string; fires: Obj[]; clean: Obj[]; field: string; config?: LintConfig }

const cases: Case[] = [
  { id: 'JKL001', fires: [stream({ replicas: 1 }), consumer()], clean: [stream({ replicas: 1 }, { annotations: { 'jetkeeper.io/critical': 'false' } }), consumer()], field: 'spec.replicas' },
  { id: 'JKL001', fires: [stream({ replicas: undefined }), consumer()], clean: [stream({ replicas: 3 }), consumer()], field: 'spec.replicas' },
  { id: 'JKL002', fires: [stream({ storage: undefined }), consumer()], clean: [stream({ storage: 'memory' }, { labels: { 'jetkeeper.io/critical': 'false' } }), consumer()], field: 'spec.storage' },
  { id: 'JKL002', fires: [stream({ storage: 'memory' }), consumer()], clean: [stream({ storage: 'file' }), consumer()], field: 'spec.storage' },
  { id: 'JKL003', fires: [stream({ subjects: ['>'], noAck: true }), consumer({ filterSubject: 'orders.created' })], clean: [stream({ subjects: ['orders.>'] }), consumer()], field: 'spec.subjects.0' },
  { id: 'JKL004', fires: [stream({ subjects: ['*.created'] }), consumer({ filterSubject: 'orders.created' })], clean: [stream({ subjects: ['orders.*'] }), consumer()], field: 'spec.subjects.0' },
  {
    id: 'JKL005',
    fires: [stream({ republish: { destination: 'audit.orders' } }), stream({ name: 'AUDIT', subjects: ['audit.>'] }, {}, 'audit'), consumer()],
    clean: [stream({ republish: { destination: 'notify.orders' } }), stream({ name: 'AUDIT', subjects: ['audit.>'] }, {}, 'audit'), consumer()],
    field: 'spec.republish.destination',
  },
  {
    id: 'JKL005',
    fires: [stream(), stream({ name: 'AUDIT', subjects: ['audit.>'] }, {}, 'audit'), consumer({ deliverSubject: 'audit.push' })],
    clean: [stream(), stream({ name: 'AUDIT', subjects: ['audit.>'] }, {}, 'audit'), consumer({ deliverSubject: 'push.worker' })],
    field: 'spec.deliverSubject',
  },
  {
    id: 'JKL005',
    fires: [stream({}, { namespace: 'shop' }), stream({ name: 'ORDERS2', subjects: ['orders.*'] }, { namespace: 'billing' }, 'orders2')],
    clean: [stream({}, { namespace: 'shop' }), stream({ name: 'ORDERS2', subjects: ['orders.*'], account: 'billing' }, { namespace: 'billing' }, 'orders2'), manifest('Account', 'billing', { name: 'billing' }, { namespace: 'billing' })],
    field: 'spec.subjects.0',
  },
  {
    id: 'JKL006',
    fires: [stream({ retention: 'workqueue' }), consumer({ filterSubject: 'orders.created' }, {}, 'fulfillment'), consumer({ filterSubject: 'orders.paid' }, {}, 'analytics')],
    clean: [stream({ retention: 'workqueue' }), consumer({ filterSubject: 'orders.created' }, {}, 'fulfillment')],
    field: 'spec.retention',
  },
  { id: 'JKL007', fires: [stream({ retention: 'interest' })], clean: [stream({ retention: 'interest' }), consumer()], field: 'spec.retention' },
  { id: 'JKL008', fires: [stream(), consumer({ filterSubject: 'orders.*' })], clean: [stream(), consumer({ filterSubject: 'orders.paid' })], field: 'spec.filterSubject' },
  { id: 'JKL008', fires: [stream(), consumer({ filterSubject: undefined, filterSubjects: ['orders.paid', 'orders.>'] })], clean: [stream(), consumer({ filterSubject: undefined, filterSubjects: ['orders.paid', 'orders.created'] })], field: 'spec.filterSubjects.1' },
  { id: 'JKL009', fires: [stream(), consumer({ ackWait: undefined })], clean: [stream(), consumer({ ackWait: undefined, backoff: ['10s', '30s'] })], field: 'spec.ackWait' },
  {
    id: 'JKL010',
    fires: [stream(), consumer({ ackWait: '30s' }, { annotations: { 'jetkeeper.io/processing-time': '45s' } })],
    clean: [stream(), consumer({ ackWait: '60s' }, { annotations: { 'jetkeeper.io/processing-time': '45s' } })],
    field: 'spec.ackWait',
  },
  {
    id: 'JKL010',
    fires: [stream(), consumer({ ackWait: undefined }, { annotations: { 'jetkeeper.io/processing-time': '1m' } })],
    clean: [stream(), consumer({ ackWait: undefined }, { annotations: { 'jetkeeper.io/processing-time': '20s' } })],
    field: 'spec.ackWait',
  },
  {
    id: 'JKL010',
    fires: [stream(), consumer({}, { annotations: { 'jetkeeper.io/processing-time': 'soon' } })],
    clean: [stream(), consumer({}, { annotations: { 'jetkeeper.io/processing-time': '5s' } })],
    field: 'metadata.annotations.jetkeeper.io/processing-time',
  },
  { id: 'JKL011', fires: [stream(), consumer({ maxDeliver: -1 })], clean: [stream(), consumer({ maxDeliver: -1, ackPolicy: 'none' })], field: 'spec.maxDeliver' },
  { id: 'JKL011', fires: [stream(), consumer({ maxDeliver: undefined })], clean: [stream(), consumer({ maxDeliver: 10 })], field: 'spec.maxDeliver' },
  { id: 'JKL012', fires: [stream({ maxAge: '0s' }), consumer()], clean: [stream({ maxAge: '0s', maxBytes: 1073741824 }), consumer()], field: 'spec.maxAge' },
  { id: 'JKL012', fires: [stream({ maxAge: '0s', maxBytes: -1 }), consumer()], clean: [stream({ maxAge: undefined }), consumer()], field: 'spec.maxAge' },
  {
    id: 'JKL013',
    fires: [stream({ discard: 'new', maxBytes: 1048576 }), consumer()],
    clean: [stream({ discard: 'new', maxBytes: 1048576 }, { annotations: { 'jetkeeper.io/alerting': 'PrometheusRule/nats-alerts' } }), consumer()],
    field: 'spec.discard',
  },
  {
    id: 'JKL013',
    fires: [stream({ discard: 'new', maxBytes: 1048576, metadata: { 'io.nats.monitor.enabled': 'false' } }), consumer()],
    clean: [stream({ discard: 'new', maxBytes: 1048576, metadata: { 'io.nats.monitor.enabled': 'true', 'io.nats.monitor.msgs-critical': '1' } }), consumer()],
    field: 'spec.discard',
  },
  {
    id: 'JKL024',
    fires: [stream({ subjects: ['orders.created', 'payments.settled'] }, { labels: { 'jetkeeper.io/team': 'orders' } }), consumer()],
    clean: [stream({ subjects: ['orders.created', 'payments.settled'] }, { labels: { 'jetkeeper.io/team': 'payments-less' } }), consumer(), stream({ subjects: ['orders.>'], account: 'orders' }, {}, 'orders2')],
    field: 'spec.subjects.1', config: withConfig({ teams: { orders: ['orders.>'], payments: ['payments.>'] } }),
  },
  { id: 'JKL014', fires: [stream({ replicas: 5 }), consumer()], clean: [stream({ replicas: 3 }), consumer()], field: 'spec.replicas', config: withConfig({ clusterSize: 3 }) },
  { id: 'JKL014', fires: [manifest('KeyValue', 'config', { bucket: 'config', replicas: 5 })], clean: [manifest('KeyValue', 'config', { bucket: 'config', replicas: 3 })], field: 'spec.replicas', config: withConfig({ clusterSize: 3 }) },
  { id: 'JKL015', fires: [stream({ replicas: 2 }), consumer()], clean: [stream({ replicas: 3 }), consumer()], field: 'spec.replicas' },
  { id: 'JKL015', fires: [manifest('KeyValue', 'config', { bucket: 'config', replicas: 4 })], clean: [manifest('KeyValue', 'config', { bucket: 'config', replicas: 5 })], field: 'spec.replicas' },
  { id: 'JKL016', fires: [stream(), consumer({ deliverSubject: 'push.worker' })], clean: [stream(), consumer()], field: 'spec.deliverSubject' },
  {
    id: 'JKL017',
    fires: [stream({ storage: 'memory' }, { annotations: { 'jetkeeper.io/backup': 'daily', 'jetkeeper.io/critical': 'false' } }), consumer()],
    clean: [stream({ storage: 'file' }, { annotations: { 'jetkeeper.io/backup': 'daily' } }), consumer()],
    field: 'spec.storage',
  },
  { id: 'JKL017', fires: [stream({ storage: 'memory' }), consumer(), policy({ streams: ['ORDERS'] })], clean: [stream({ storage: 'memory' }), consumer(), policy({ streams: ['OTHER'] })], field: 'spec.storage' },
  { id: 'JKL017', fires: [stream({ storage: 'memory' }), consumer(), policy({ streams: ['ORDERS'] })], clean: [stream({ storage: 'file' }), consumer(), policy({ streams: ['ORDERS'] })], field: 'spec.storage' },
  {
    id: 'JKL017',
    fires: [manifest('KeyValue', 'config', { bucket: 'config', storage: 'memory', replicas: 3 }), policy({ keyValues: ['config'] })],
    clean: [manifest('KeyValue', 'config', { bucket: 'config', storage: 'memory', replicas: 3 }), policy({ streams: ['config'] })],
    field: 'spec.storage',
  },
  {
    id: 'JKL019',
    fires: [stream({ replicas: 1 }, { annotations: { 'jetkeeper.io/lint-ignore': 'JKL001' } }), consumer()],
    clean: [stream({ replicas: 1 }, { annotations: { 'jetkeeper.io/lint-ignore': 'JKL001: cache of derived data, rebuilt on loss' } }), consumer()],
    field: 'metadata.annotations.jetkeeper.io/lint-ignore',
  },
  {
    id: 'JKL019',
    fires: [stream({}, { annotations: { 'jetkeeper.io/lint-ignore': 'JKL999: no such rule' } }), consumer()],
    clean: [stream(), consumer()],
    field: 'metadata.annotations.jetkeeper.io/lint-ignore',
  },
  { id: 'JKL018', fires: security(OPEN), clean: security(), field: 'spec.permissions.publish.allow.0' },
  { id: 'JKL018', fires: security({ role: undefined, permissions: { subscribe: { allow: ['orders.created'] } } }), clean: security(), field: 'spec.permissions.publish' },
  { id: 'JKL021', fires: security({ service: undefined }), clean: security(), field: 'spec.service' },
  { id: 'JKL022', fires: security({}, { subject: 'orders.created', type: 'stream' }), clean: security(), field: 'spec.exports.0' },
  { id: 'JKL023', fires: security({ expiry: undefined }), clean: security(), field: 'spec.expiry' },
  { id: 'JKL020', fires: [stream(), consumer({ ackPolicy: undefined, ackWait: undefined })], clean: [stream(), consumer({ ackPolicy: 'none', ackWait: undefined })], field: 'spec.ackPolicy' },
];

describe('each rule fires on its problem and not without it', () => {
  for (const c of cases) {
    test(`${c.id} at ${c.field}`, () => {
      const fired = only(lint(c.fires, c.config), c.id);
      assert.equal(fired.length, 1, `${c.id} should fire once: ${JSON.stringify(lint(c.fires, c.config).findings.map((f) => f.ruleId))}`);
      assert.equal(fired[0].field, c.field);
      assert.deepEqual(only(lint(c.clean, c.config), c.id), []);
    });
  }
});

test('every rule has a test case above, a docs page and a unique id', () => {
  const tested = new Set(cases.map((c) => c.id));
  for (const r of RULES) {
    assert.match(r.id, /^JKL\d{3}$/);
    assert.ok(tested.has(r.id), `${r.id} has no case`);
    assert.ok(existsSync(`${root}docs/lint/${r.id}.md`), `docs/lint/${r.id}.md is missing`);
    const page = readFileSync(`${root}docs/lint/${r.id}.md`, 'utf8');
    assert.ok(page.startsWith(`# ${r.id} ${r.name}\n`), `docs/lint/${r.id}.md names the rule`);
    assert.ok(page.includes(`**Default severity:** ${r.severity} `), `docs/lint/${r.id}.md gives its severity`);
    assert.ok(page.includes(r.fix.slice(1)), `docs/lint/${r.id}.md gives its fix`);
    assert.ok(readFileSync(`${root}docs/lint/index.md`, 'utf8').includes(`| [${r.id}](${r.id}.md) | ${r.name} | ${r.severity} |`), `docs/lint/index.md lists ${r.id}`);
    assert.ok(r.fix && r.title && r.name);
  }
  assert.equal(new Set(RULES.map((r) => r.id)).size, RULES.length);
});

test('BackupPolicy documents are validated (JK7013 with file:line) and counted, not skipped', () => {
  const r = lint([policy({ schedule: 'every night', streams: ['ORDERS'] })]);
  const f = r.findings.find((x) => x.ruleId === 'JK7013');
  assert.equal(f?.resource, 'BackupPolicy/nightly');
  assert.equal(f?.field, 'spec.schedule');
  assert.equal(f?.at?.file, 'm.yaml');
  assert.equal(lintExitCode(r), 1);
  assert.equal(lint([policy({ streams: ['ORDERS'] })]).summary.resources, 1);
});

describe('the security model in lint', () => {
  test('the accounts rules find the NatsUser by its file:line, and a security-only input has resources', () => {
    const docs = security(OPEN);
    const r = lint(docs);
    const f = only(r, 'JKL018')[0];
    const lines = text(docs).split('\n');
    const line = lines.findIndex((l) => l.trim() === '- ">"') + 1;
    assert.equal(f.resource, 'NatsUser/checkout');
    assert.deepEqual(f.at, { file: 'm.yaml', line, col: lines[line - 1].indexOf('"') + 1 });
    assert.equal(r.summary.resources, 5);
    assert.equal(lintExitCode(r), 1);
  });

  test('an invalid security model is reported as validation errors, not skipped', () => {
    const r = lint([sec('NatsUser', 'checkout', { account: 'orders', service: 'checkout', bogus: 1 })]);
    assert.ok(r.findings.some((f) => f.ruleId === 'JK1004' && f.resource === 'NatsUser/checkout' && f.severity === 'error'), JSON.stringify(r.findings));
    const alone = lint([sec('NatsUser', 'checkout', { account: 'orders', service: 'checkout', expiry: '2160h' })]);
    assert.ok(alone.findings.some((f) => f.ruleId === 'JK8001' && f.severity === 'error'), 'no Operator declared');
  });

  test('an inline ignore with a reason silences an accounts rule on that user', () => {
    const docs = security({ expiry: undefined });
    (docs[4].metadata as Obj).annotations = { 'jetkeeper.io/lint-ignore': 'JKL023: rotated by the deploy pipeline' };
    const r = lint(docs);
    assert.deepEqual(only(r, 'JKL023'), []);
    assert.equal(r.summary.ignored, 1);
  });

  test('without security documents the accounts rules stay quiet', () => {
    assert.deepEqual(ids(lint([stream(), consumer()])).filter((i) => ['JKL018', 'JKL021', 'JKL022', 'JKL023'].includes(i)), []);
  });
});

test('a finding names rule, severity, resource, field, file:line:col, fix and docs', () => {
  const r = lint([stream({ replicas: 2 }), consumer()]);
  const f = only(r, 'JKL015')[0];
  const line = text([stream({ replicas: 2 }), consumer()]).split('\n').findIndex((l) => l.startsWith('  replicas: 2')) + 1;
  assert.deepEqual(f, {
    ruleId: 'JKL015', ruleName: 'even-replicas', severity: 'warning', resource: 'Stream/orders', field: 'spec.replicas',
    at: { file: 'm.yaml', line, col: 13 }, message: f.message, fix: 'use an odd count: 3 (survives one server loss) or 5 (two)', docs: 'docs/lint/JKL015.md',
  });
  assert.match(f.message, /replicas: 2/);
});

describe('configuration and exit codes', () => {
  test('a rule set to off is not run; a level overrides the severity', () => {
    const docs = [stream({ replicas: 1 }), consumer({ deliverSubject: 'push.x' })];
    assert.deepEqual(ids(lint(docs, withConfig({ rules: { JKL001: 'off' } }))).filter((i) => i === 'JKL001'), []);
    const r = lint(docs, withConfig({ rules: { JKL016: 'error' } }));
    assert.equal(only(r, 'JKL016')[0].severity, 'error');
    assert.equal(lintExitCode(r), 1);
  });

  test('warnings do not fail unless --max-warnings is exceeded; errors always do', () => {
    const warned = lint([stream({ replicas: 1 }), consumer()]);
    assert.equal(warned.summary.errors, 0);
    assert.equal(warned.summary.warnings, 1);
    assert.equal(lintExitCode(warned), 0);
    assert.equal(lintExitCode(warned, 1), 0);
    assert.equal(lintExitCode(warned, 0), 1);
    assert.equal(lintExitCode(lint([stream({ subjects: ['>'], noAck: true }), consumer()])), 1);
  });

  test('the non-critical marker is configurable', () => {
    const docs = [stream({ replicas: 1 }, { labels: { tier: 'scratch' } }), consumer()];
    assert.equal(only(lint(docs), 'JKL001').length, 1);
    assert.deepEqual(only(lint(docs, withConfig({ nonCritical: { key: 'tier', value: 'scratch' } })), 'JKL001'), []);
  });

  test('an inline ignore with a reason ignores the named rules on that resource only', () => {
    const ignore = { annotations: { 'jetkeeper.io/lint-ignore': 'JKL001, JKL016: scratch stream for a demo' } };
    const r = lint([stream({ replicas: 1 }, ignore), consumer({ deliverSubject: 'push.x' }), stream({ name: 'OTHER', subjects: ['other.x'], replicas: 1 }, {}, 'other')]);
    assert.deepEqual(ids(r), ['JKL016', 'JKL001']);
    assert.equal(only(r, 'JKL001')[0].resource, 'Stream/other');
    assert.equal(r.summary.ignored, 1);
  });

  test('validate errors are findings too (their code as rule id), and fail the run', () => {
    const r = lint([stream({ maxAg: '1h' }), consumer()]);
    assert.equal(r.findings[0].ruleId, 'JK1004');
    assert.equal(r.findings[0].field, 'spec.maxAg');
    assert.equal(lintExitCode(r), 1);
  });

  test('the configuration file is read with positions; unknown rules and bad levels are JK1202', () => {
    const c = parseLintConfig('rules:\n  JKL001: off\n  JKL016: error\nclusterSize: 3\nnonCritical:\n  key: tier\n', '.jetkeeper-lint.yaml', RULES.map((x) => x.id));
    assert.deepEqual(c, { rules: { JKL001: 'off', JKL016: 'error' }, clusterSize: 3, nonCritical: { key: 'tier', value: 'false' } });
    const bad = (t: string) => {
      try {
        parseLintConfig(t, 'c.yaml', RULES.map((x) => x.id));
      } catch (e) {
        return e as JkError;
      }
      assert.fail('no error');
    };
    assert.deepEqual([bad('rules:\n  JKL001: loud\n').code, bad('rules:\n  JKL001: loud\n').at], ['JK1202', { file: 'c.yaml', line: 2, col: 11 }]);
    assert.deepEqual([bad('rules:\n  JKL999: off\n').code, bad('rules:\n  JKL999: off\n').at?.line], ['JK1202', 2]);
    assert.equal(bad('clustersize: 3\n').code, 'JK1202');
    assert.equal(bad('rules: [\n').code, 'JK1201');
  });
});

test('JKL024 takes a stream\'s team from its label, then spec.account, then its namespace; own prefixes are fine', () => {
  const config = withConfig({ teams: { orders: ['orders.>'], payments: ['payments.>'] } });
  const byAccount = only(lint([stream({ subjects: ['payments.>'], account: 'orders' })], config), 'JKL024');
  assert.equal(byAccount.length, 1);
  assert.match(byAccount[0].message, /reaches into payments's prefix payments\.> \(the stream is team orders\)/);
  const byNamespace = only(lint([stream({ subjects: ['orders.created'] }, { namespace: 'payments' })], config), 'JKL024');
  assert.deepEqual(byNamespace.map((f) => f.field), ['spec.subjects.0']);
  assert.deepEqual(only(lint([stream({ subjects: ['payments.>'] }, { namespace: 'payments' })], config), 'JKL024'), []);
  assert.deepEqual(only(lint([stream({ subjects: ['payments.>'], account: 'orders' })]), 'JKL024'), [], 'no teams configured: nothing checked');
  const parsed = parseLintConfig('teams:\n  orders: [orders.>]\n', '.jetkeeper-lint.yaml', RULES.map((r) => r.id));
  assert.deepEqual(parsed.teams, { orders: ['orders.>'] });
  assert.throws(() => parseLintConfig('teams:\n  orders: []\n', '.jetkeeper-lint.yaml', RULES.map((r) => r.id)), /teams\.orders/);
});
