/**
 * A compact HdrHistogram-style latency recorder: log-linear buckets over non-negative integers
 * (jetkeeper records microseconds), constant memory, O(1) record, relative error below 1/2^(p-1)
 * (p = 8 bits of sub-bucket precision: < 0.8 %). Values below 2^p are exact. No NATS import.
 *
 * Layout (as HdrHistogram): the first 2^p slots hold 0..2^p-1 exactly; after that each power of two
 * [2^p·2^(b-1), 2^p·2^b) is split into 2^(p-1) equal slots of width 2^b. A percentile is reported as
 * the highest value equivalent to its slot (clamped to the largest value recorded), so it never
 * understates a latency.
 *
 * hdr-histogram-js was considered: it is sound but brings WebAssembly, base64 and pako (for its
 * compressed encoding) that this needs none of; the part used here fits in this file.
 */

const PRECISION_BITS = 8;
const SUB = 1 << PRECISION_BITS; // 256 exact slots
const HALF = SUB >> 1; // 128 slots per power of two above them
/** slots for values up to 2^53 */
const SLOTS = SUB + (53 - PRECISION_BITS + 1) * HALF;

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function slotOf(v: number): number {
  if (v < SUB) return v;
  // b >= 1 such that v >> b lies in [HALF, SUB)
  const b = Math.floor(Math.log2(v)) - (PRECISION_BITS - 1);
  // Math.log2 can be off by one right at powers of two for big values: correct it
  let shift = b;
  let top = Math.floor(v / 2 ** shift);
  if (top >= SUB) {
    shift++;
    top = Math.floor(v / 2 ** shift);
  } else if (top < HALF) {
    shift--;
    top = Math.floor(v / 2 ** shift);
  }
  return SUB + (shift - 1) * HALF + (top - HALF);
}

/** The lowest and highest values that land in `slot`. */
function rangeOf(slot: number): [number, number] {
  if (slot < SUB) return [slot, slot];
  const j = slot - SUB;
  const shift = Math.floor(j / HALF) + 1;
  const top = (j % HALF) + HALF;
  const low = top * 2 ** shift;
  return [low, low + 2 ** shift - 1];
}

export class Histogram {
  #counts = new Float64Array(SLOTS);
  #count = 0;
  #sum = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  /** Records `value` (rounded to an integer, negatives as 0) `times` times. */
  record(value: number, times = 1): void {
    if (!Number.isFinite(value) || times <= 0) return;
    const v = Math.min(Math.max(0, Math.round(value)), Number.MAX_SAFE_INTEGER);
    this.#counts[slotOf(v)]! += times;
    this.#count += times;
    this.#sum += v * times;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }
  get min(): number {
    return this.#count ? this.#min : 0;
  }
  get max(): number {
    return this.#max;
  }
  get mean(): number {
    return this.#count ? this.#sum / this.#count : 0;
  }

  /** The value at percentile `p` (0..100): the smallest recorded value with at least p % at or below it. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const q = Math.min(100, Math.max(0, p));
    const rank = Math.max(1, Math.ceil((q / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < SLOTS; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) {
        const high = rangeOf(i)[1];
        return Math.max(this.min, Math.min(high, this.#max));
      }
    }
    return this.#max;
  }

  /** Adds every value recorded in `other`. */
  merge(other: Histogram): void {
    if (other.#count === 0) return;
    for (let i = 0; i < SLOTS; i++) this.#counts[i]! += other.#counts[i]!;
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = 0;
  }

  /** count, min, mean, p50, p90, p99, p99.9 and max, each multiplied by `scale` (e.g. 1/1000 for µs → ms). */
  summary(scale = 1, digits = 3): LatencySummary {
    const f = (x: number) => Number((x * scale).toFixed(digits));
    return {
      count: this.#count,
      min: f(this.min),
      mean: f(this.mean),
      p50: f(this.percentile(50)),
      p90: f(this.percentile(90)),
      p99: f(this.percentile(99)),
      p999: f(this.percentile(99.9)),
      max: f(this.#max),
    };
  }
}
