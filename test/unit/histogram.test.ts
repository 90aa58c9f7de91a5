/** The latency recorder: percentiles on known data, bounded relative error, merge, edge cases. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram } from '../../src/load/histogram.js';

/** Within the recorder's relative error (< 0.8 %, reported on the high side). */
function near(actual: number, expected: number, what: string): void {
  assert.ok(actual >= expected && actual <= expected * 1.008 + 1, `${what}: ${actual} not within [${expected}, ${expected * 1.008 + 1}]`);
}

describe('Histogram', () => {
  test('small values are exact', () => {
    const h = new Histogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    assert.equal(h.count, 100);
    assert.equal(h.min, 1);
    assert.equal(h.max, 100);
    assert.equal(h.mean, 50.5);
    assert.equal(h.percentile(50), 50);
    assert.equal(h.percentile(90), 90);
    assert.equal(h.percentile(99), 99);
    assert.equal(h.percentile(99.9), 100);
    assert.equal(h.percentile(100), 100);
    assert.equal(h.percentile(0), 1);
  });

  test('1..1,000,000: percentiles within the relative error', () => {
    const h = new Histogram();
    for (let v = 1; v <= 1_000_000; v++) h.record(v);
    near(h.percentile(50), 500_000, 'p50');
    near(h.percentile(90), 900_000, 'p90');
    near(h.percentile(99), 990_000, 'p99');
    near(h.percentile(99.9), 999_000, 'p99.9');
    assert.equal(h.max, 1_000_000);
    assert.equal(h.percentile(100), 1_000_000);
  });

  test('a skewed latency distribution: the tail is found', () => {
    const h = new Histogram();
    h.record(1_000, 9_900); // 1 ms
    h.record(50_000, 90); // 50 ms
    h.record(5_000_000, 10); // 5 s
    const s = h.summary(1 / 1000);
    assert.equal(s.count, 10_000);
    near(s.p50, 1, 'p50');
    near(s.p90, 1, 'p90');
    near(s.p99, 1, 'p99');
    near(s.p999, 5000, 'p99.9');
    assert.equal(s.max, 5000);
    near(h.percentile(99.5), 50_000, 'p99.5');
  });

  test('every value round-trips within the error across many magnitudes', () => {
    for (const v of [0, 1, 255, 256, 257, 511, 512, 1023, 1024, 4097, 65_535, 1e6 + 3, 2 ** 31, 2 ** 40 + 12345, 2 ** 52]) {
      const h = new Histogram();
      h.record(v);
      assert.equal(h.percentile(50), v, `single value ${v} is reported as itself (clamped to max)`);
      const g = new Histogram();
      g.record(v);
      g.record(v * 4 + 7);
      near(g.percentile(50), v, `p50 of {${v}, ${v * 4 + 7}}`);
    }
  });

  test('merge adds counts; reset empties; junk is ignored', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let v = 1; v <= 500; v++) a.record(v);
    for (let v = 501; v <= 1000; v++) b.record(v);
    a.merge(b);
    assert.equal(a.count, 1000);
    near(a.percentile(50), 500, 'merged p50');
    assert.equal(a.max, 1000);
    a.record(Number.NaN);
    a.record(-5); // as 0
    assert.equal(a.count, 1001);
    assert.equal(a.min, 0);
    a.reset();
    assert.equal(a.count, 0);
    assert.deepEqual(a.summary(), { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });
});
