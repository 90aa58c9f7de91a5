/**
 * `jetkeeper lint` and `jetkeeper explain` as a user runs them (the built CLI, no server):
 * help, output shapes, exit codes, the configuration file and its errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MISTAKES = 'test/fixtures/lint/seed-mistakes.yaml';
let dir = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jk-lint-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], cwd = root): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/jetkeeper.js'), ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('lint --help and explain --help describe the commands', () => {
  const lint = run(['lint', '--help']);
  assert.equal(lint.code, 0);
  for (const flag of ['--filename', '--format', '--config', '--max-warnings', '--docs-base']) assert.ok(lint.out.includes(flag), flag);
  assert.equal(run(['explain', '--help']).code, 0);
});

test('errors exit 1; text names file:line:col, rule, fix and docs', () => {
  const r = run(['lint', '-f', MISTAKES]);
  assert.equal(r.code, 1);
  assert.match(r.out, /seed-mistakes\.yaml:25:14: error JKL003 Stream\/everything spec\.subjects\.0: /);
  assert.match(r.out, /\n {2}fix: capture narrow subject families/);
  assert.match(r.out, /\n {2}docs: docs\/lint\/JKL003\.md/);
  assert.match(r.out, /5 resource\(s\): 2 error\(s\), 3 warning\(s\), 0 info\.$/m);
});

test('-o json and --format json print the report; --format sarif prints SARIF', () => {
  const j = JSON.parse(run(['lint', '-f', MISTAKES, '-o', 'json']).out) as { findings: { ruleId: string }[]; summary: { errors: number } };
  assert.equal(j.summary.errors, 2);
  assert.deepEqual(JSON.parse(run(['lint', '-f', MISTAKES, '--format', 'json']).out), j);
  const s = JSON.parse(run(['lint', '-f', MISTAKES, '--format', 'sarif']).out) as { version: string; runs: { results: unknown[] }[] };
  assert.equal(s.version, '2.1.0');
  assert.equal(s.runs[0].results.length, j.findings.length);
});

test('warnings pass unless --max-warnings is exceeded', () => {
  const file = join(dir, 'r1.yaml');
  writeFileSync(file, 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata:\n  name: s\nspec:\n  name: S\n  subjects: [s.x]\n  storage: file\n  replicas: 1\n');
  assert.equal(run(['lint', '-f', file]).code, 0);
  assert.equal(run(['lint', '-f', file, '--max-warnings', '1']).code, 0);
  assert.equal(run(['lint', '-f', file, '--max-warnings', '0']).code, 1);
  const bad = run(['lint', '-f', file, '--max-warnings', 'none', '-o', 'json']);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /"code": "JK1012"/);
});

test('.jetkeeper-lint.yaml in the current directory is read; --config names another; bad ones are refused', () => {
  const file = join(dir, 'r1.yaml');
  writeFileSync(join(dir, '.jetkeeper-lint.yaml'), 'rules:\n  JKL001: error\n');
  assert.equal(run(['lint', '-f', file], dir).code, 1);
  writeFileSync(join(dir, 'quiet.yaml'), 'rules:\n  JKL001: off\n');
  assert.equal(run(['lint', '-f', file, '--config', join(dir, 'quiet.yaml'), '--max-warnings', '0'], dir).code, 0);
  writeFileSync(join(dir, 'bad.yaml'), 'rules:\n  JKL001: loud\n');
  const bad = run(['lint', '-f', file, '--config', join(dir, 'bad.yaml')], dir);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /bad\.yaml:2:11: JK1202 rules\.JKL001: /);
  const missing = run(['lint', '-f', file, '--config', join(dir, 'none.yaml')], dir);
  assert.match(missing.err, /JK1201 /);
  rmSync(join(dir, '.jetkeeper-lint.yaml'));
});

test('an unknown format, and an input with nothing to lint, are errors', () => {
  assert.match(run(['lint', '-f', MISTAKES, '--format', 'xml']).err, /JK1012 unknown lint format "xml"/);
  const other = join(dir, 'deployment.yaml');
  writeFileSync(other, 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n');
  const r = run(['lint', '-f', other]);
  assert.equal(r.code, 1);
  assert.match(r.err, /JK1010 no jetstream\.nats\.io resources/);
});

test('a directory of Operator/NatsAccount/NatsUser documents is linted (JSON and SARIF with positions), not "nothing to lint"', () => {
  const j = run(['lint', '-f', 'test/fixtures/lint/security-open-user.yaml', '-o', 'json']);
  assert.equal(j.code, 1, j.err);
  const report = JSON.parse(j.out) as { findings: { ruleId: string; resource: string; at?: { file: string; line: number } }[]; summary: { resources: number } };
  assert.equal(report.summary.resources, 11);
  const open = report.findings.find((f) => f.ruleId === 'JKL018');
  assert.equal(open?.resource, 'NatsUser/payments-reader');
  assert.equal(open?.at?.file, 'test/fixtures/lint/security-open-user.yaml');
  const s = run(['lint', '-f', 'test/fixtures/lint/security-open-user.yaml', '--format', 'sarif']);
  const sarif = JSON.parse(s.out) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[] };
  const result = sarif.runs[0].results.find((x) => x.ruleId === 'JKL018')!;
  assert.equal(result.locations[0].physicalLocation.artifactLocation.uri, 'test/fixtures/lint/security-open-user.yaml');
  assert.equal(result.locations[0].physicalLocation.region.startLine, open?.at?.line);
});

test('explain prints text and JSON; an unknown field exits 1', () => {
  const t = run(['explain', 'stream.retention']);
  assert.equal(t.code, 0);
  assert.match(t.out, /^stream\.retention {2}\(API: retention\)/);
  const j = JSON.parse(run(['explain', 'consumer.ackWait', '-o', 'json']).out) as { type: string; field: { lintRules: { id: string }[] } };
  assert.equal(j.type, 'field');
  assert.deepEqual(j.field.lintRules.map((r) => r.id), ['JKL009', 'JKL010']);
  const bad = run(['explain', 'stream.nope', '-o', 'json']);
  assert.equal(bad.code, 1);
  assert.match(bad.out, /"code": "JK1203"/);
});
