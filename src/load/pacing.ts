/** Pacing a sender to a rate; a sender that fell behind (a stall) catches up. */
import { sleep } from '../nats/retry.js';

/** performance.now(): the load generator's clock. */
export const now = (): number => performance.now();

/** Message `i` is due at start + i/rate; a sender that fell behind (a stall) catches up. rate 0: no pacing. */
export class Pacer {
  readonly rate: number;
  readonly start: number;
  constructor(rate: number, start = now()) {
    this.rate = rate;
    this.start = start;
  }
  /** How many ms before message `i` is due (<= 0: due now). */
  ahead(i: number): number {
    return this.rate <= 0 ? 0 : this.start + (i * 1000) / this.rate - now();
  }
  /** Waits until message `i` is due (sleeps only when at least 1 ms ahead). */
  async wait(i: number, signal?: AbortSignal): Promise<void> {
    const ahead = this.ahead(i);
    if (ahead >= 1) await sleep(ahead, signal);
  }
}
