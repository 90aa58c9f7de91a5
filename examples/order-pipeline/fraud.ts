/**
 * fraud: answers `fraud.check` requests over Core NATS request/reply. Nothing is stored: if no
 * fraud service runs, the requester gets "no responders" at once and decides for itself
 * (see checkout.ts). The queue group `fraud` spreads requests over every copy you run, so
 * scaling out is starting another process.
 *
 *   NATS_URL=nats://127.0.0.1:4222 node dist/examples/order-pipeline/fraud.js
 *
 * Request:  {"order_id": "ord-1001", "total": 129.9}
 * Reply:    {"approved": true, "score": 0.13}
 *
 * Env: FRAUD_MAX_SCORE  approve below this score (default 0.8); the score is total / 1000, capped at 1.
 */
import { connectNats, errorText, logger, numberArg, onShutdown } from './lib.js';

const maxScore = numberArg(process.env.FRAUD_MAX_SCORE, 0.8);
const log = logger('fraud');
const nc = await connectNats('fraud', log);

/** A stand-in for a real model: bigger orders are riskier. */
function score(total: number): number {
  return Math.min(1, Math.round((total / 1000) * 100) / 100);
}

const sub = nc.subscribe('fraud.check', { queue: 'fraud' });
log('ready', { subject: 'fraud.check', queue: 'fraud' });

// Drain on SIGTERM: stop receiving new requests, answer the ones already received, then close.
onShutdown(log, () => nc.drain());

for await (const msg of sub) {
  try {
    const req = msg.json<{ order_id?: string; total?: number }>();
    if (typeof req.total !== 'number') throw new Error('total must be a number');
    const s = score(req.total);
    const approved = s < maxScore;
    msg.respond(JSON.stringify({ approved, score: s }));
    log('checked', { id: req.order_id, total: req.total, approved, score: s });
  } catch (err) {
    // A bad request still gets an answer, so the caller does not wait for its timeout.
    msg.respond(JSON.stringify({ approved: false, score: 1, error: errorText(err) }));
    log('bad-request', { error: errorText(err) });
  }
}
