/**
 * Go `time.ParseDuration` compatible durations, as NACK manifests use them ("24h", "1m30s",
 * "1.5h", "300ms", "0"). There is no "d" unit in Go, so there is none here either.
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Go's time.Duration is an int64 of nanoseconds. */
const MAX_NS = 2n ** 63n - 1n;

/**
 * Parses a Go duration string into nanoseconds; returns an error string when it is not one.
 * Like Go (and NACK), surrounding spaces and durations beyond int64 nanoseconds are errors.
 */
export function parseDuration(text: string): { ns: number } | { error: string } {
  let s = text;
  if (s === '') return { error: 'empty duration' };
  if (s.trim() !== s) {
    const inner = s.trim();
    return { error: `${JSON.stringify(text)} has spaces or line breaks around it${inner ? `: write ${JSON.stringify(inner)}` : ''}` };
  }
  let sign = 1n;
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  if (s === '0') return { ns: 0 };
  if (s === '') return { error: `"${text}" is not a duration` };
  let total = 0n;
  while (s.length > 0) {
    const m = PART.exec(s);
    if (!m) {
      const hint = /^\d+d$/.test(s) ? ` (there is no "d" unit: use ${Number.parseInt(s, 10) * 24}h)` : '';
      return { error: `"${text}" is not a duration: expected a number followed by ns, us, ms, s, m or h${hint}` };
    }
    const [whole, frac = ''] = m[1].split('.');
    const unit = UNIT_NS[m[2]];
    const scale = 10n ** BigInt(frac.length);
    total += (BigInt(whole || '0') * scale + BigInt(frac || '0')) * unit / scale;
    s = s.slice(m[0].length);
    if (total > MAX_NS + (sign < 0n ? 1n : 0n)) {
      return { error: `"${shorten(text)}" is out of range: a duration can be at most 2562047h47m16.854775807s (int64 nanoseconds, about 292 years)` };
    }
  }
  const ns = Number(sign * total);
  // a JavaScript number just below 2^63 rounds up to 2^63, which no longer fits Go's int64
  if (BigInt(ns) > MAX_NS || BigInt(ns) < -MAX_NS - 1n) {
    return { error: `"${shorten(text)}" is out of range: a duration can be at most 2562047h47m16.854775807s (int64 nanoseconds, about 292 years)` };
  }
  return { ns };
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-10)} (${text.length} characters)` : text;
}

/** Formats nanoseconds as the shortest Go duration that parses back to the same value ("24h", "1m30s"). */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  let rest = BigInt(Math.round(Math.abs(ns)));
  const out: string[] = [];
  for (const [unit, size] of [['h', UNIT_NS.h], ['m', UNIT_NS.m], ['s', UNIT_NS.s], ['ms', UNIT_NS.ms], ['us', UNIT_NS.us], ['ns', 1n]] as const) {
    const n = rest / size;
    if (n > 0n) {
      out.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return (ns < 0 ? '-' : '') + out.join('');
}
