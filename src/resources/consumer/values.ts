/** The consumer values nats-server fills or rewrites (server/consumer.go setConsumerConfigDefaults). */

/** The server's ack_wait when the consumer acks and sets none (JsAckWaitDefault). */
export const DEFAULT_ACK_WAIT_NS = 30_000_000_000;
/** The server's max_ack_pending when the consumer acks and sets none (JsDefaultMaxAckPending). */
export const DEFAULT_MAX_ACK_PENDING = 1000;
/** The server's max_waiting for pull consumers (JSWaitQueueDefaultMax). */
export const DEFAULT_MAX_WAITING = 512;
/** The server's priority_timeout for pinned_client when none is set (JsDefaultPinnedTTL). */
export const DEFAULT_PINNED_TTL_NS = 120_000_000_000;
/** The heartbeat the server gives (and requires of) an ack policy flow_control consumer. */
export const FLOW_CONTROL_HEARTBEAT_NS = 1_000_000_000;

/** Ack policies for which the server fills ack_wait (flow_control acks without a wait). */
export const acksWithWait = (ackPolicy: unknown): boolean => ackPolicy === 'explicit' || ackPolicy === 'all';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:\d{2})$/;

/**
 * An RFC3339 timestamp in UTC with the fraction kept to the nanosecond (Go's RFC3339Nano), so
 * "2026-01-02T16:04:05+01:00" and "2026-01-02T15:04:05.000Z" compare equal. Non-timestamps pass through.
 */
export function utcTimestamp(value: string): string {
  const m = RFC3339.exec(value);
  if (!m) return value;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  const t = new Date(0);
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  t.setUTCHours(Number(h), Number(mi), Number(s), 0);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const offsetMin = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    t.setTime(t.getTime() - sign * offsetMin * 60_000);
  }
  const fraction = frac.replace(/0+$/, '');
  return `${t.toISOString().slice(0, 19)}${fraction ? '.' + fraction : ''}Z`;
}

/** "50", "50%" and 50 all mean "50%"; 0 means no sampling. */
export function samplePercent(value: unknown): string | undefined {
  const n = Number.parseInt(String(value ?? '').trim().replace(/%$/, ''), 10);
  return Number.isFinite(n) && n > 0 ? `${n}%` : undefined;
}
