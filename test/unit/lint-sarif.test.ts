/**
 * SARIF output validates against the official SARIF 2.1.0 JSON Schema (test/fixtures/
 * sarif-2.1.0.schema.json, from oasis-tcs/sarif-spec sarif-2.1/schema/) and puts each result
 * where GitHub code scanning shows it: the file relative to the repository root, line and column.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { loadManifests } from '../../src/manifests/load.js';
import { artifactUri, formatSarif, lintDocuments, RULES } from '../../src/lint/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = 'test/fixtures/lint/seed-mistakes.yaml';

/**
 * The official schema is draft-04, whose only difference that matters here is `id` for `$id`
 * (it uses no draft-04-only keyword such as boolean exclusiveMinimum); ajv 8 reads it as draft-07
 * once that keyword is renamed. Formats (uri, date-time) are not checked: ajv has none built in.
 */
function sarifValidator() {
  const schema = JSON.parse(readFileSync(`${root}test/fixtures/sarif-2.1.0.schema.json`, 'utf8')) as Record<string, unknown>;
  assert.equal(schema.title, 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema');
  const { id, $schema: _draft, ...rest } = schema;
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return ajv.compile({ ...rest, $id: String(id), $schema: 'http://json-schema.org/draft-07/schema#' });
}

async function sarifOf(path: string, docsBase?: string) {
  const report = lintDocuments(await loadManifests([`${root}${path}`], async () => ''));
  return { report, sarif: formatSarif(report, { root, docsBase, toolVersion: '0.1.0' }) };
}

interface SarifRun { tool: { driver: { rules: { id: string; helpUri: string }[] } }; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }

test('SARIF of findings validates against the official SARIF 2.1.0 schema', async () => {
  const validate = sarifValidator();
  const { sarif } = await sarifOf(FIXTURE);
  assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
  const { sarif: clean } = await sarifOf('examples/orders-jetstream.yaml', 'https://example.org/jetkeeper/blob/main/');
  assert.ok(validate(clean), JSON.stringify(validate.errors, null, 2));
});

test('the schema check can fail: a result without a message is refused', async () => {
  const validate = sarifValidator();
  const { sarif } = await sarifOf(FIXTURE);
  const broken = JSON.parse(JSON.stringify(sarif)) as { runs: { results: Record<string, unknown>[] }[] };
  delete broken.runs[0].results[0].message;
  assert.equal(validate(broken), false);
});

test('each result is at the file (relative to the root), line and column of the value, with its rule listed', async () => {
  const { report, sarif } = await sarifOf(FIXTURE);
  const run = (sarif as { runs: SarifRun[] }).runs[0];
  const lines = readFileSync(`${root}${FIXTURE}`, 'utf8').split('\n');
  assert.equal(run.results.length, report.findings.length);
  for (const [i, r] of run.results.entries()) {
    const loc = r.locations[0].physicalLocation;
    assert.equal(loc.artifactLocation.uri, FIXTURE);
    assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
    assert.equal(loc.region.startLine, report.findings[i].at?.line);
    assert.equal(loc.region.startColumn, report.findings[i].at?.col);
  }
  const r1 = run.results.find((r) => r.ruleId === 'JKL001')!;
  const { startLine, startColumn } = r1.locations[0].physicalLocation.region;
  assert.equal(lines[startLine - 1].slice(startColumn - 1), '1');
  assert.match(lines[startLine - 1], /^ {2}replicas: 1$/);
  assert.equal(r1.level, 'warning');
  assert.equal(run.results.find((r) => r.ruleId === 'JKL003')!.level, 'error');
});

test('every rule is in tool.driver.rules with its docs page as helpUri', async () => {
  const { sarif } = await sarifOf(FIXTURE, 'https://example.org/jetkeeper/blob/main/');
  const rules = (sarif as { runs: SarifRun[] }).runs[0].tool.driver.rules;
  for (const r of RULES) assert.equal(rules.find((x) => x.id === r.id)?.helpUri, `https://example.org/jetkeeper/blob/main/docs/lint/${r.id}.md`);
  assert.ok(rules.some((x) => x.id === 'JK1015'), 'validate codes found are listed too');
  const { sarif: relative } = await sarifOf(FIXTURE);
  assert.equal((relative as { runs: SarifRun[] }).runs[0].tool.driver.rules[0].helpUri, 'docs/lint/JKL001.md');
});

test('artifact URIs: relative with forward slashes and escapes inside the root, file: URLs outside', () => {
  assert.equal(artifactUri('deploy/my streams/a.yaml', '/repo'), 'deploy/my%20streams/a.yaml');
  assert.equal(artifactUri('/repo/x.yaml', '/repo'), 'x.yaml');
  assert.equal(artifactUri('/elsewhere/x.yaml', '/repo'), 'file:///elsewhere/x.yaml');
});
