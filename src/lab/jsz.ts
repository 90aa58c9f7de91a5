/**
 * One server's own view of a stream, from its monitor endpoint `/jsz`. Each server lists only the
 * streams it holds a replica of, with its local state. The leader's stream info can call a
 * replica current while that replica's own store is behind (see server-behaviour.md), so the
 * lab compares every replica's own view.
 */
import { jszStreamDetail, readJsz } from '../nats/monitor.js';

export interface JszStreamView {
  messages: number;
  firstSeq: number;
  lastSeq: number;
  /** the leader as this server sees it */
  leader?: string;
}

/** The stream as the server behind `monitorUrl` holds it; undefined when it holds no replica of it. */
export async function jszStream(monitorUrl: string, stream: string): Promise<JszStreamView | undefined> {
  const s = jszStreamDetail(await readJsz(monitorUrl, { streams: true, timeoutMs: 3_000 }), stream);
  if (!s) return undefined;
  return {
    messages: s.state?.messages ?? 0,
    firstSeq: s.state?.first_seq ?? 0,
    lastSeq: s.state?.last_seq ?? 0,
    leader: s.cluster?.leader,
  };
}
