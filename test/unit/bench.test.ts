/** The bench report's text form: what a run did, options named in backticks for the CLI to show as flags. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBenchReport, type BenchReport } from '../../src/load/bench.js';
import { withFlagNames } from '../../src/cli/flags.js';

const report = (over: Partial<BenchReport> = {}): BenchReport => ({
  mode: 'pub', js: true, subject: 'bench.js', stream: { name: 'BENCH_1', created: true, deleted: true },
  config: { rate: 0, size: 128, duration_ms: 2000, count: 0, concurrency: 8 },
  attempted: 1000, completed: 998, failed: 2, retried: 3, errors: { timeout: 2 }, elapsed_ms: 2000,
  throughput: { msgs_per_sec: 499, bytes_per_sec: 63_872 },
  latency_ms: { count: 998, min: 0.1, mean: 1, p50: 1, p90: 2, p99: 3, p999: 4, max: 5 },
  responder: null, ...over,
});

test('bench text: an acked run on a stream made for it names the js option, counts, retries and latency', () => {
  const text = formatBenchReport(report());
  assert.match(text, /^bench pub `js` on bench\.js \(stream BENCH_1, created for this run and deleted\): 128 B, rate max, concurrency 8, 2\.0s$/m);
  assert.match(text, /^ {2}998 acked of 1,000; 2 failed; 3 retries \(timeout ×2\)$/m);
  assert.match(text, /^ {2}latency \(ms\): p50 1 {2}p90 2 {2}p99 3 {2}p99\.9 4 {2}max 5 {2}\(998 samples\)$/m);
  assert.match(withFlagNames(text), /^bench pub --js on bench\.js/);
});

test('bench text: core request/reply shows the responder and no stream', () => {
  const text = formatBenchReport(report({ mode: 'req', js: false, stream: null, retried: 0, errors: {}, responder: { served: 998 } }));
  assert.match(text, /^bench req on bench\.js: 128 B/);
  assert.match(text, /998 replies of 1,000; 2 failed$/m);
  assert.match(text, /^ {2}responder: served 998$/m);
});
