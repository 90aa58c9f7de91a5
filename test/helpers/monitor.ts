/** Small helpers for tests that read a server's monitor endpoints and wait for a condition. */
import assert from 'node:assert/strict';
import type { ServerState } from '../../src/local/cluster.js';
import { monitorGet } from '../../src/nats/monitor.js';
import { sleep } from '../../src/nats/retry.js';

/** GET `<monitorUrl><path>` as JSON (through src/nats/monitor.ts); fails the test on a non-200 answer. */
export async function mon<T>(s: ServerState, path: string): Promise<T> {
  const a = await monitorGet<T>(s.monitorUrl, path, { timeoutMs: 2_000 });
  assert.equal(a.status, 200, `${s.name} ${path}`);
  assert.notEqual(a.body, undefined, `${s.name} ${path}: not JSON`);
  return a.body as T;
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
    await sleep(100);
  }
}
