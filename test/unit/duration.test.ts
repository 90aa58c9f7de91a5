import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/resources/duration.js';

const US = 1_000;
const MS = 1_000_000;
const S = 1_000_000_000;
const M = 60 * S;
const H = 60 * M;

describe('parseDuration', () => {
  const valid: { text: string; ns: number; why: string }[] = [
    { text: '24h', ns: 24 * H, why: 'hours' },
    { text: '30s', ns: 30 * S, why: 'seconds' },
    { text: '1m30s', ns: 90 * S, why: 'several units in one string' },
    { text: '1.5h', ns: 90 * M, why: 'a fraction of an hour' },
    { text: '300ms', ns: 300 * MS, why: 'milliseconds' },
    { text: '0', ns: 0, why: 'a bare zero' },
    { text: '0s', ns: 0, why: 'zero with a unit' },
    { text: '1us', ns: US, why: 'microseconds written us' },
    { text: '1µs', ns: US, why: 'microseconds written with the micro sign U+00B5' },
    { text: '1μs', ns: US, why: 'microseconds written with the Greek mu U+03BC' },
    { text: '7ns', ns: 7, why: 'nanoseconds' },
    { text: '1h2m3s4ms5us6ns', ns: H + 2 * M + 3 * S + 4 * MS + 5 * US + 6, why: 'every unit at once' },
    { text: '.5s', ns: 500 * MS, why: 'a fraction without a leading digit' },
    { text: '1.0000000001s', ns: S, why: 'digits below a nanosecond truncated' },
    { text: '-1s', ns: -S, why: 'a negative duration' },
    { text: '+5m', ns: 5 * M, why: 'an explicit plus sign' },
  ];
  for (const { text, ns, why } of valid) {
    test(`parses ${JSON.stringify(text)} as ${ns}ns (${why})`, () => {
      assert.deepEqual(parseDuration(text), { ns });
    });
  }

  const invalid: { text: string; error: string }[] = [
    { text: '', error: 'empty duration' },
    {
      text: '1d',
      error: '"1d" is not a duration: expected a number followed by ns, us, ms, s, m or h (there is no "d" unit: use 24h)',
    },
    {
      text: '7d',
      error: '"7d" is not a duration: expected a number followed by ns, us, ms, s, m or h (there is no "d" unit: use 168h)',
    },
    { text: 'abc', error: '"abc" is not a duration: expected a number followed by ns, us, ms, s, m or h' },
    { text: '10', error: '"10" is not a duration: expected a number followed by ns, us, ms, s, m or h' },
    { text: '5 s', error: '"5 s" is not a duration: expected a number followed by ns, us, ms, s, m or h' },
    { text: '-', error: '"-" is not a duration' },
    // Go's time.ParseDuration (and so NACK) refuses surrounding spaces
    { text: ' 5s', error: '" 5s" has spaces or line breaks around it: write "5s"' },
    { text: '24h\n', error: '"24h\\n" has spaces or line breaks around it: write "24h"' },
    { text: ' ', error: '" " has spaces or line breaks around it' },
    // beyond int64 nanoseconds: Go says "invalid duration"
    { text: '9999999999h', error: '"9999999999h" is out of range: a duration can be at most 2562047h47m16.854775807s (int64 nanoseconds, about 292 years)' },
    { text: '2562048h', error: '"2562048h" is out of range: a duration can be at most 2562047h47m16.854775807s (int64 nanoseconds, about 292 years)' },
  ];
  for (const { text, error } of invalid) {
    test(`rejects ${JSON.stringify(text)} with a message saying why`, () => {
      assert.deepEqual(parseDuration(text), { error });
    });
  }

  test('durations near the int64 limit parse only when the number sent still fits; a 401-digit one is out of range, not a crash', () => {
    // 2^63-1 ns as a JavaScript number is 2^63, which Go's int64 cannot hold
    assert.ok('error' in parseDuration('2562047h47m16.854775807s'));
    assert.deepEqual(parseDuration('2562047h'), { ns: 2562047 * 3_600_000_000_000 });
    const r = parseDuration(`1${'0'.repeat(400)}s`);
    assert.ok('error' in r);
    assert.match(r.error, /out of range/);
    assert.ok(r.error.length < 200, 'the message does not repeat 400 digits');
  });

  test('rejects days and suggests the same span in hours', () => {
    const r = parseDuration('1d');
    assert.ok('error' in r);
    assert.match(r.error, /use 24h\)$/);
  });
});

describe('formatDuration', () => {
  const cases: { ns: number; text: string }[] = [
    { ns: 86400 * S, text: '24h' },
    { ns: 90 * S, text: '1m30s' },
    { ns: 1.5 * S, text: '1s500ms' },
    { ns: 0, text: '0s' },
    { ns: 1, text: '1ns' },
    { ns: US, text: '1us' },
    { ns: 120 * S, text: '2m' },
    { ns: 8760 * H, text: '8760h' },
    { ns: H + 2 * M + 3 * S + 4 * MS + 5 * US + 6, text: '1h2m3s4ms5us6ns' },
    { ns: -S, text: '-1s' },
  ];
  for (const { ns, text } of cases) {
    test(`formats ${ns}ns as ${text}`, () => {
      assert.equal(formatDuration(ns), text);
    });
    test(`round trips ${text} through parseDuration back to ${ns}ns`, () => {
      assert.deepEqual(parseDuration(formatDuration(ns)), { ns });
    });
  }

  const reparsed: { text: string; canonical: string }[] = [
    { text: '1.5h', canonical: '1h30m' },
    { text: '90s', canonical: '1m30s' },
    { text: '0', canonical: '0s' },
    { text: '1µs', canonical: '1us' },
    { text: '1500ms', canonical: '1s500ms' },
  ];
  for (const { text, canonical } of reparsed) {
    test(`writes ${JSON.stringify(text)} back in its shortest form ${canonical}`, () => {
      const r = parseDuration(text);
      assert.ok('ns' in r);
      assert.equal(formatDuration(r.ns), canonical);
    });
  }
});
