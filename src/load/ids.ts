/** Message IDs `${prefix}${i}` and counts of the indexes seen: what was acked, stored, delivered. */

/** Which message indexes were seen, and how often (up to 255). Grows as needed. */
export class IdCounts {
  #counts = new Uint8Array(1024);
  #max = -1;
  add(i: number): number {
    if (!Number.isInteger(i) || i < 0) return 0;
    if (i >= this.#counts.length) {
      const grown = new Uint8Array(Math.max(i + 1, this.#counts.length * 2));
      grown.set(this.#counts);
      this.#counts = grown;
    }
    if (i > this.#max) this.#max = i;
    const c = this.#counts[i]!;
    if (c < 255) this.#counts[i] = c + 1;
    return c + 1;
  }
  get(i: number): number {
    return i >= 0 && i < this.#counts.length ? this.#counts[i]! : 0;
  }
  has(i: number): boolean {
    return this.get(i) > 0;
  }
  /** highest index seen, -1 when none */
  get maxIndex(): number {
    return this.#max;
  }
  /** number of distinct indexes seen */
  get distinct(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 0) n++;
    return n;
  }
  /** extra copies beyond the first, summed */
  get extra(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 1) n += this.#counts[i]! - 1;
    return n;
  }
  /** indexes with count > 1 */
  get duplicated(): number {
    let n = 0;
    for (let i = 0; i <= this.#max; i++) if (this.#counts[i]! > 1) n++;
    return n;
  }
  /** indexes seen here and not in `other` (the first `limit` are listed) */
  missingFrom(other: IdCounts, limit = 20): { count: number; sample: number[] } {
    const sample: number[] = [];
    let count = 0;
    for (let i = 0; i <= this.#max; i++) {
      if (this.#counts[i]! > 0 && !other.has(i)) {
        count++;
        if (sample.length < limit) sample.push(i);
      }
    }
    return { count, sample };
  }
}

/** The index of a message ID `${prefix}${i}`, or -1 when the ID is not one of ours. */
export function parseMsgId(id: string | undefined, prefix: string): number {
  if (!id || !id.startsWith(prefix)) return -1;
  const rest = id.slice(prefix.length);
  return /^\d+$/.test(rest) ? Number(rest) : -1;
}
