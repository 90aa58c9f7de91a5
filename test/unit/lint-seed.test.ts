/**
 * The seed's examples lint clean; the seed's "Common Mistakes" written as manifests
 * (test/fixtures/lint/seed-mistakes.yaml) produce exactly the findings listed here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadManifests } from '../../src/manifests/load.js';
import { lintDocuments, lintExitCode } from '../../src/lint/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const noStdin = async () => '';

async function lintPaths(...paths: string[]) {
  return lintDocuments(await loadManifests(paths.map((p) => `${root}${p}`), noStdin));
}

// the seed's own examples: test/fixtures holds them as the seed writes them, examples/ as the demo runs them
for (const path of ['test/fixtures/order-pipeline.yaml', 'test/fixtures/orders-jetstream.yaml', 'examples/order-pipeline/order-pipeline.yaml', 'examples/orders-jetstream.yaml']) {
  test(`the seed's example ${path} lints clean`, async () => {
    const r = await lintPaths(path);
    assert.deepEqual(r.findings, []);
    assert.equal(lintExitCode(r, 0), 0);
  });
}

test("the seed's common mistakes produce exactly these findings", async () => {
  const r = await lintPaths('test/fixtures/lint/seed-mistakes.yaml');
  const got = r.findings.map((f) => [f.ruleId, f.severity, f.resource, f.field, f.at?.line, f.at?.col]);
  assert.deepEqual(got, [
    // "Setting stream replicas to one for business events"
    ['JKL001', 'warning', 'Stream/payments', 'spec.replicas', 13, 13],
    // "Capturing broad subjects such as > in one stream" (the server also wants such a stream at R1)
    ['JKL003', 'error', 'Stream/everything', 'spec.subjects.0', 25, 14],
    ['JKL001', 'warning', 'Stream/everything', 'spec.replicas', 28, 13],
    // "Using work-queue retention for analytics fan-out": lint names the design mistake, validate the server's refusal
    ['JKL006', 'warning', 'Stream/orders-stream', 'spec.retention', 43, 14],
    ['JK1015', 'error', 'Consumer/analytics', 'spec.filterSubject', 67, 18],
  ]);
  assert.deepEqual(r.summary, { resources: 5, errors: 2, warnings: 3, infos: 0, ignored: 0 });
  assert.equal(lintExitCode(r), 1);
});

test("the repository's examples/ directory as a whole lints clean: its streams (two ORDERS are one stream, not a clash) and its security model", async () => {
  const r = await lintPaths('examples/');
  assert.deepEqual(r.findings.map((f) => [f.ruleId, f.resource, f.field]), []);
  // 7 jetstream.nats.io resources, 1 Operator, 3 NatsAccounts, 7 NatsUsers
  assert.equal(r.summary.resources, 18);
});

test('a security model with an open publish side and users without expiry gives exactly those findings', async () => {
  const r = await lintPaths('test/fixtures/lint/security-open-user.yaml');
  assert.deepEqual(r.findings.map((f) => [f.ruleId, f.resource, f.field]), [
    ['JKL023', 'NatsUser/jetkeeper', 'spec.expiry'],
    ['JKL023', 'NatsUser/payments-reader', 'spec.expiry'],
    ['JKL018', 'NatsUser/payments-reader', 'spec.permissions.publish'],
  ]);
});
