/** A fake Clock for the controller's timers: time moves only when a test advances it. */
import type { Clock } from '../../src/controller/queue.js';

export class FakeClock implements Clock {
  t: number;
  timers: { at: number; ms: number; fn: () => void; id: number }[] = [];
  /** every wait asked for, in order */
  waits: number[] = [];
  private next = 1;
  constructor(start: number | string = 0) {
    this.t = typeof start === 'string' ? Date.parse(start) : start;
  }
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.waits.push(ms);
    this.timers.push({ at: this.t + ms, ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void { this.timers = this.timers.filter((x) => x.id !== h); }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
  }
}
