/**
 * The one sleep and the one backoff policy: full-jitter exponential backoff (uniform in
 * [cap/2, cap], cap = min(maxMs, baseMs·2^attempt)), and `withRetry`, which retries what
 * classify() calls transient.
 */
import { classify } from './errors.js';

/** Resolves after `ms`, or at once when `signal` aborts (callers check `signal.aborted` after). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!(ms > 0) || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BackoffPolicy {
  /** the cap of the first retry's delay */
  baseMs: number;
  /** the largest delay */
  maxMs: number;
}

/** Administrative requests (apply, lab): 125-250 ms first, at most 5 s. */
export const ADMIN_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 5_000 };
/** Publishes under load: 25-50 ms first, at most 1 s. */
export const PUBLISH_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: 1_000 };

/** The delay before retry number `attempt` (0 = the first retry). */
export function backoffMs(attempt: number, policy: BackoffPolicy = PUBLISH_BACKOFF): number {
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), 20));
  return cap / 2 + Math.random() * (cap / 2);
}

export interface RetryOptions {
  /** attempts in all, the first included */
  attempts: number;
  policy?: BackoffPolicy;
  signal?: AbortSignal;
  /** called before each retry with the error and the number of the attempt that failed (1-based) */
  onRetry?: (e: unknown, attempt: number) => void;
}

/** Calls `fn` until it succeeds, fails with an error classify() calls permanent, or the attempts run out. */
export async function retrying<T>(fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!classify(e).transient || attempt >= opts.attempts || opts.signal?.aborted) throw e;
      opts.onRetry?.(e, attempt);
      await sleep(backoffMs(attempt - 1, opts.policy ?? ADMIN_BACKOFF), opts.signal);
    }
  }
}

/** Retries transient errors `attempts` times in all with the administrative backoff. */
export function withRetry<T>(fn: () => Promise<T>, attempts: number, onRetry?: (e: Error, attempt: number) => void): Promise<T> {
  return retrying(fn, { attempts, onRetry: onRetry && ((e, n) => onRetry(e instanceof Error ? e : new Error(String(e)), n)) });
}
