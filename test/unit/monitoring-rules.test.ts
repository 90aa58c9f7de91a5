/**
 * The alert rules and the dashboard in deploy/monitoring/: well formed, the PrometheusRule equal to
 * the plain file, each alert documented with a runbook, every metric they name a series jetkeeper
 * defines, and `promtool check rules` / `promtool test rules` passing (with the pinned promtool;
 * skipped with the reason when it is not built yet).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { BACKUP_METRICS } from '../../src/backup/metrics.js';
import { seriesDefinitions } from '../../src/metrics/collectors.js';
import { headingAnchor, metricNames, prometheusRule, withoutAnnotations, type RulesFile } from '../../src/metrics/rules.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const mon = join(root, 'deploy', 'monitoring');
const rules = parse(readFileSync(join(mon, 'jetkeeper-rules.yaml'), 'utf8')) as RulesFile;
const docs = readFileSync(join(root, 'docs', 'monitoring.md'), 'utf8');
const promtool = join(process.env.JETKEEPER_CACHE ?? join(homedir(), '.cache', 'jetkeeper'), 'bin', 'promtool');
const promtoolReady = existsSync(promtool) && existsSync(`${promtool}.version`);
const noPromtool = promtoolReady ? false : `promtool is not built yet (${promtool} and its .version stamp): run node scripts/install-tools.mjs promtool`;

/** Series other parts of jetkeeper produce (the controller), not `jetkeeper metrics`, plus Prometheus' own. */
export const NOT_FROM_METRICS = new Set(['up', 'jetkeeper_controller_reconcile_errors_total']);

const alerts = rules.groups.flatMap((g) => g.rules.map((r) => ({ group: g.name, ...r })));

test('every alert has a severity, a summary, a description and a runbook section in docs/monitoring.md', () => {
  assert.ok(alerts.length >= 20, `${alerts.length} alerts`);
  const anchors = new Set([...docs.matchAll(/^#{2,4} (.+)$/gm)].map((m) => headingAnchor(m[1])));
  for (const a of alerts) {
    assert.match(a.labels?.severity ?? '', /^(info|warning|critical)$/, a.alert);
    assert.ok(a.annotations?.summary && a.annotations.description, `${a.alert}: summary and description`);
    const anchor = /#(.+)$/.exec(a.annotations.runbook_url ?? '')?.[1] ?? '';
    assert.ok(anchors.has(anchor), `${a.alert}: runbook anchor #${anchor} is a heading of docs/monitoring.md`);
  }
});

test('alert names are unique', () => {
  assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length);
});

test('the PrometheusRule carries exactly the groups of the plain rules file', () => {
  const pr = parse(readFileSync(join(mon, 'prometheusrule.yaml'), 'utf8')) as unknown;
  assert.deepEqual(pr, prometheusRule(rules), 'regenerate prometheusrule.yaml from jetkeeper-rules.yaml (prometheusRule() in src/metrics/rules.ts)');
});

test('the promtool tests run against the plain rules without annotations', () => {
  const under = parse(readFileSync(join(mon, 'tests', 'rules-under-test.yaml'), 'utf8')) as unknown;
  assert.deepEqual(under, withoutAnnotations(rules), 'regenerate tests/rules-under-test.yaml (withoutAnnotations() in src/metrics/rules.ts)');
});

test('the seed\'s three alerts are there, on jetkeeper names and on the exporter names', () => {
  // the seed's example rules (section "Observability with Prometheus Surveyor and Alerts")
  const seed = [
    { alert: 'NatsExporterMissing', for: '2m', labels: { severity: 'warning' }, expr: 'up{job=~".*nats.*"} == 0' },
    { alert: 'NatsJetStreamStorageHigh', for: '10m', labels: { severity: 'warning' }, expr: '> 0.70' },
    { alert: 'NatsJetStreamConsumerBacklogGrowing', for: '10m', labels: { severity: 'warning' }, expr: 'increase(nats_consumer_num_pending[10m]) > 1000' },
  ];
  const compat = rules.groups.find((g) => g.name === 'jetkeeper-exporter-compat')!;
  for (const s of seed) {
    const c = compat.rules.find((r) => r.alert === s.alert);
    assert.ok(c, s.alert);
    assert.equal(c.for, s.for);
    assert.equal(c.labels?.severity, s.labels.severity);
    assert.ok(c.expr.endsWith(s.expr), `${s.alert}: ${c.expr}`);
  }
  const names = new Set(rules.groups.find((g) => g.name === 'jetkeeper-seed')!.rules.map((r) => r.alert));
  assert.deepEqual([...names].sort(), ['JetkeeperConsumerBacklogGrowing', 'JetkeeperJetStreamStorageHigh', 'JetkeeperMetricsMissing']);
});

test('every metric the rules and the dashboard name is a series jetkeeper defines', () => {
  // the controller's backup series (src/backup/metrics.ts) count as defined: the backup alerts and panels use them
  const defined = new Set([...seriesDefinitions(true).map((d) => d.name), ...Object.values(BACKUP_METRICS)]);
  const dashboard = readFileSync(join(mon, 'grafana-dashboard.json'), 'utf8');
  const exprs = [...alerts.map((a) => a.expr), ...dashboardExprs(dashboard)];
  const unknown = exprs.flatMap(metricNames).filter((n) => !defined.has(n) && !NOT_FROM_METRICS.has(n));
  assert.deepEqual([...new Set(unknown)], []);
});

test('the dashboard has a datasource variable every panel uses', () => {
  const d = JSON.parse(readFileSync(join(mon, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
  const ds = d.templating.list.find((v) => v.type === 'datasource');
  assert.ok(ds, 'a datasource template variable');
  assert.equal(ds.query, 'prometheus');
  const panels = d.panels.filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 10);
  for (const p of panels) assert.equal(p.datasource?.uid, `\${${ds.name}}`, p.title);
});

interface Dashboard {
  templating: { list: { type: string; name: string; query?: string }[] };
  panels: { type: string; title: string; datasource?: { uid?: string }; targets?: { expr: string }[] }[];
}

export function dashboardExprs(json: string): string[] {
  const d = JSON.parse(json) as Dashboard;
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).concat(d.templating.list.map((v) => v.query ?? '').filter((q) => q.includes('(')));
}

test('metricNames finds the metrics of an expression and nothing else', () => {
  assert.deepEqual(metricNames('sum by (stream) (increase(jetkeeper_advisories_total{kind=~"a|b"}[10m])) > 3'), ['jetkeeper_advisories_total']);
  assert.deepEqual(metricNames('a_b / c_d > 0.7 and on (cluster, stream) x_y{storage="file"}').sort(), ['a_b', 'c_d', 'x_y']);
});

test('promtool check rules accepts the rules file', { skip: noPromtool }, () => {
  const r = spawnSync(promtool, ['check', 'rules', join(mon, 'jetkeeper-rules.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('promtool test rules: every alert fires on its synthetic series and stays quiet below its thresholds', { skip: noPromtool }, () => {
  const r = spawnSync(promtool, ['test', 'rules', join(mon, 'tests', 'rules.test.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('every alert is exercised by the promtool tests', () => {
  const t = readFileSync(join(mon, 'tests', 'rules.test.yaml'), 'utf8');
  for (const a of alerts) assert.match(t, new RegExp(`alertname: ${a.alert}\\n`), a.alert);
});

test('the backup alerts read only the controller\'s backup series and compare with each policy\'s own maxVerifiedAge', () => {
  const backups = rules.groups.find((g) => g.name === 'jetkeeper-backups');
  assert.ok(backups, 'a jetkeeper-backups group');
  assert.deepEqual(backups.rules.map((r) => r.alert).sort(), ['JetkeeperBackupFailing', 'JetkeeperBackupNeverVerified', 'JetkeeperBackupVerifiedTooOld']);
  const known = new Set<string>(Object.values(BACKUP_METRICS));
  for (const r of backups.rules) {
    assert.deepEqual(metricNames(r.expr).filter((n) => !known.has(n)), [], r.alert);
    assert.match(r.annotations?.summary ?? '', /\{\{ \$labels\.policy \}\}.*\{\{ \$labels\.stream \}\}|\{\{ \$labels\.stream \}\}.*\{\{ \$labels\.policy \}\}/, `${r.alert}: the summary names policy and stream`);
  }
  for (const name of ['JetkeeperBackupVerifiedTooOld', 'JetkeeperBackupNeverVerified']) {
    assert.ok(backups.rules.find((r) => r.alert === name)?.expr.includes(BACKUP_METRICS.maxVerifiedAge), `${name}: no fixed age`);
  }
  const dashboard = JSON.parse(readFileSync(join(mon, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
  const age = dashboard.panels.find((p) => p.title === 'Backups: age of the newest verified backup');
  assert.ok(age?.targets?.some((t) => t.expr.includes(BACKUP_METRICS.lastVerified)), 'the dashboard shows the age of the newest verified backup');
});
