/** The controller's work queue with fake time: backoff per key, one pass in flight per key, bounded workers, dependency wake-up, graceful stop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay, WorkQueue, type WorkResult } from '../../src/controller/queue.js';
import { FakeClock } from '../helpers/clock.js';

const tick = () => new Promise<void>((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

test('retryDelay: full jitter in [cap/2, cap], doubling, capped', () => {
  assert.equal(retryDelay(1, 500, 60_000, () => 0), 250);
  assert.equal(retryDelay(1, 500, 60_000, () => 0.999999) <= 500, true);
  assert.equal(retryDelay(3, 500, 60_000, () => 0), 1000);
  assert.equal(retryDelay(40, 500, 60_000, () => 0), 30_000);
  assert.ok(retryDelay(40, 500, 60_000, () => 0.999999) <= 60_000);
  for (let n = 1; n < 12; n++) {
    const cap = Math.min(60_000, 500 * 2 ** (n - 1));
    const d = retryDelay(n, 500, 60_000, Math.random);
    assert.ok(d >= cap / 2 && d <= cap, `attempt ${n}: ${d}`);
  }
});

test('a failing key is retried after its jittered, growing, capped backoff; success forgets it', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const q = new WorkQueue(async (keys) => {
    calls++;
    return new Map<string, WorkResult>(keys.map((k) => [k, { type: calls <= 4 ? 'retry' : 'done' }]));
  }, { clock, random: () => 0.5, baseMs: 100, maxMs: 300 });
  q.add('Stream/A');
  await settle();
  assert.equal(calls, 1);
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    assert.equal(clock.timers.length, 1, 'one timer for the key');
    delays.push(clock.timers[0].ms);
    clock.advance(clock.timers[0].ms - 1);
    await settle();
    assert.equal(calls, i + 1, 'not before its delay');
    clock.advance(1);
    await settle();
    assert.equal(calls, i + 2);
  }
  assert.deepEqual(delays, [75, 150, 225, 225]);
  assert.equal(q.failuresOf('Stream/A'), 0);
  assert.equal(clock.timers.length, 0);
});

test('one pass in flight per key: adds during a pass run it once more afterwards, never at the same time', async () => {
  const gate = deferred();
  let running = 0;
  let most = 0;
  let calls = 0;
  const q = new WorkQueue(async (keys) => {
    calls++;
    running++;
    most = Math.max(most, running);
    if (calls === 1) await gate.promise;
    running--;
    return new Map(keys.map((k) => [k, { type: 'done' } as WorkResult]));
  }, { workers: 4, batch: 1 });
  q.add('k');
  await settle();
  q.add('k');
  q.add('k');
  q.add('k');
  await settle();
  assert.equal(calls, 1, 'not started again while in flight');
  gate.resolve();
  await q.idle();
  assert.equal(calls, 2, 'run once more for the adds during the pass');
  assert.equal(most, 1);
});

test('bounded workers; one slow key does not block the others', async () => {
  const slow = deferred();
  const done: string[] = [];
  let running = 0;
  let most = 0;
  const q = new WorkQueue(async (keys) => {
    running++;
    most = Math.max(most, running);
    if (keys[0] === 'slow') await slow.promise;
    await tick();
    running--;
    done.push(...keys);
    return new Map(keys.map((k) => [k, { type: 'done' } as WorkResult]));
  }, { workers: 2, batch: 1 });
  for (const k of ['slow', 'a', 'b', 'c', 'd']) q.add(k);
  for (let i = 0; i < 30 && done.length < 4; i++) await tick();
  assert.deepEqual(done.sort(), ['a', 'b', 'c', 'd']);
  assert.equal(most, 2);
  slow.resolve();
  await q.idle();
  assert.equal(done.length, 5);
});

test('a key waiting on a dependency runs again when the dependency is woken, before its backoff timer', async () => {
  const clock = new FakeClock();
  let streamReady = false;
  const runs: string[] = [];
  const q = new WorkQueue(async (keys) => {
    runs.push(...keys);
    return new Map(keys.map((k): [string, WorkResult] => [k, streamReady ? { type: 'done' } : { type: 'wait', on: 'Stream/S' }]));
  }, { clock, baseMs: 60_000, maxMs: 60_000 });
  q.add('Consumer/S/c');
  await settle();
  assert.deepEqual(runs, ['Consumer/S/c']);
  assert.equal(clock.timers.length, 1, 'a backoff timer as a fallback');
  q.wake('Stream/X');
  await settle();
  assert.equal(runs.length, 1, 'another dependency does not wake it');
  streamReady = true;
  q.wake('Stream/S');
  await settle();
  assert.deepEqual(runs, ['Consumer/S/c', 'Consumer/S/c']);
  assert.equal(clock.timers.length, 0, 'the backoff timer was cancelled');
  q.wake('Stream/S');
  await settle();
  assert.equal(runs.length, 2, 'once done, no longer waiting');
});

test('without a wake-up the waiting key is still retried on its timer', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const q = new WorkQueue(async (keys) => {
    calls++;
    return new Map(keys.map((k): [string, WorkResult] => [k, { type: 'wait', on: 'Stream/S' }]));
  }, { clock, random: () => 0, baseMs: 1000, maxMs: 1000 });
  q.add('c');
  await settle();
  clock.advance(500);
  await settle();
  assert.equal(calls, 2);
});

test('keys added in one turn go into one batch; a handler that throws retries each of its keys', async () => {
  const clock = new FakeClock();
  const batches: string[][] = [];
  const q = new WorkQueue(async (keys) => {
    batches.push(keys);
    if (batches.length === 1) throw new Error('boom');
    return new Map(keys.map((k) => [k, { type: 'done' } as WorkResult]));
  }, { clock, batch: 10 });
  q.add('a');
  q.add('b');
  q.add('a');
  await settle();
  assert.deepEqual(batches, [['a', 'b']]);
  assert.equal(q.failuresOf('a'), 1);
  assert.equal(q.failuresOf('b'), 1);
  clock.advance(1000);
  await settle();
  assert.equal(batches.length, 2);
  assert.deepEqual(batches[1].sort(), ['a', 'b']);
});

test('stop: the pass in flight finishes, nothing queued starts, timers are dropped', async () => {
  const clock = new FakeClock();
  const gate = deferred();
  const runs: string[] = [];
  const q = new WorkQueue(async (keys) => {
    runs.push(...keys);
    if (keys[0] === 'first') await gate.promise;
    return new Map(keys.map((k): [string, WorkResult] => [k, { type: 'retry' }]));
  }, { clock, workers: 1, batch: 1 });
  q.add('first');
  await settle();
  q.add('second');
  let stopped = false;
  const stopping = q.stop().then(() => { stopped = true; });
  await settle();
  assert.equal(stopped, false, 'waits for the pass in flight');
  gate.resolve();
  await stopping;
  assert.deepEqual(runs, ['first']);
  assert.equal(clock.timers.length, 0);
  q.add('third');
  await settle();
  assert.deepEqual(runs, ['first']);
});

test('forget drops a key: no retry, no wait', async () => {
  const clock = new FakeClock();
  let calls = 0;
  const q = new WorkQueue(async (keys) => {
    calls++;
    return new Map(keys.map((k): [string, WorkResult] => [k, { type: 'wait', on: 'Stream/S' }]));
  }, { clock });
  q.add('c');
  await settle();
  q.forget('c');
  q.wake('Stream/S');
  clock.advance(120_000);
  await settle();
  assert.equal(calls, 1);
  assert.equal(q.depth(), 0);
});
