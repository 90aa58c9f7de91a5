/** Polling with a deadline, for the lab's "wait until the cluster shows X" steps. */
import { sleep } from '../nats/retry.js';

export class LabTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabTimeout';
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('the lab was interrupted');
}

/** Thrown by a probe to stop waiting at once: what is awaited can no longer happen. */
export class StopWaiting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopWaiting';
  }
}

export interface WaitOptions {
  /** what is awaited, for the timeout message: "fulfillment to process ord-1001" */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Calls `probe` until it returns a value other than undefined and returns that value. A probe that
 * throws is retried (a leader election makes requests fail for a few seconds), unless it throws
 * StopWaiting; on timeout the last error or the last `note` the probe left is part of the message.
 */
export async function waitUntil<T>(probe: (note: (s: string) => void) => Promise<T | undefined> | T | undefined, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last = '';
  const note = (s: string) => {
    last = s;
  };
  for (;;) {
    if (opts.signal?.aborted) throw abortError(opts.signal);
    try {
      const v = await probe(note);
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      last = (e as Error).message ?? String(e);
    }
    if (Date.now() >= deadline) {
      throw new LabTimeout(`timed out after ${Math.round(opts.timeoutMs / 1000)}s waiting for ${opts.what}${last ? `; last seen: ${last}` : ''}`);
    }
    await sleep(opts.intervalMs ?? 200, opts.signal);
  }
}
