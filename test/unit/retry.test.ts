/** The one sleep and backoff policy. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutError } from '@nats-io/transport-node';
import { JetStreamApiError } from '@nats-io/jetstream';
import { ADMIN_BACKOFF, PUBLISH_BACKOFF, backoffMs, retrying, sleep } from '../../src/nats/retry.js';

test('backoff is full jitter in [cap/2, cap], the cap doubling up to the policy maximum', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const cap = Math.min(ADMIN_BACKOFF.maxMs, ADMIN_BACKOFF.baseMs * 2 ** attempt);
    for (let i = 0; i < 50; i++) {
      const d = backoffMs(attempt, ADMIN_BACKOFF);
      assert.ok(d >= cap / 2 && d <= cap, `attempt ${attempt}: ${d} not in [${cap / 2}, ${cap}]`);
    }
  }
  assert.ok(backoffMs(100, PUBLISH_BACKOFF) <= PUBLISH_BACKOFF.maxMs);
  assert.ok(backoffMs(-1, PUBLISH_BACKOFF) <= PUBLISH_BACKOFF.baseMs);
});

test('sleep ends at once when its signal aborts, and does not wait at all when already aborted', async () => {
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 20);
  await sleep(5_000, ac.signal);
  assert.ok(performance.now() - t0 < 1_000);
  const t1 = performance.now();
  await sleep(5_000, ac.signal);
  assert.ok(performance.now() - t1 < 50);
});

test('retrying retries what classify() calls transient and stops at a permanent err_code', async () => {
  let calls = 0;
  const v = await retrying(async () => {
    if (++calls < 3) throw new TimeoutError();
    return 'ok';
  }, { attempts: 5, policy: { baseMs: 1, maxMs: 2 } });
  assert.equal(v, 'ok');
  assert.equal(calls, 3);
  let refused = 0;
  const notClustered = new JetStreamApiError({ code: 500, err_code: 10074, description: 'replicas > 1 not supported in non-clustered mode' });
  await assert.rejects(retrying(async () => { refused++; throw notClustered; }, { attempts: 5, policy: { baseMs: 1, maxMs: 2 } }), (e) => e === notClustered);
  assert.equal(refused, 1);
});

test('retrying gives up when its signal aborts', async () => {
  const ac = new AbortController();
  let calls = 0;
  await assert.rejects(retrying(async () => {
    calls++;
    ac.abort();
    throw new TimeoutError();
  }, { attempts: 5, signal: ac.signal }), TimeoutError);
  assert.equal(calls, 1);
});
