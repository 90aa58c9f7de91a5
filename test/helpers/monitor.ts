/** Small helpers for tests that read a server's monitor endpoints and wait for a condition. */
import assert from 'node:assert/strict';
import type { ServerState } from '../../src/local/cluster.js';

/** GET `<monitorUrl><path>` as JSON; fails the test on a non-200 answer. */
export async function mon<T>(s: ServerState, path: string): Promise<T> {
  const res = await fetch(`${s.monitorUrl}${path}`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(res.status, 200, `${s.name} ${path}`);
  return (await res.json()) as T;
}

/** Polls `fn` every 100 ms until it returns a value; fails the test after `timeoutMs` with the last error. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
