/**
 * One server's own view of a stream, from its monitor endpoint `/jsz`. Each server lists only the
 * streams it holds a replica of, with its local state. The leader's stream info can call a
 * replica current while that replica's own store is behind (see server-behaviour.md), so the
 * lab compares every replica's own view.
 */

export interface JszStreamView {
  messages: number;
  firstSeq: number;
  lastSeq: number;
  /** the leader as this server sees it */
  leader?: string;
}

interface JszBody {
  account_details?: { name?: string; stream_detail?: { name: string; state?: { messages?: number; first_seq?: number; last_seq?: number }; cluster?: { leader?: string } }[] }[];
}

/** The stream as the server behind `monitorUrl` holds it; undefined when it holds no replica of it. */
export async function jszStream(monitorUrl: string, stream: string): Promise<JszStreamView | undefined> {
  const res = await fetch(`${monitorUrl}/jsz?accounts=true&streams=true`, { signal: AbortSignal.timeout(3_000) });
  if (!res.ok) throw new Error(`${monitorUrl}/jsz answered HTTP ${res.status}`);
  const body = (await res.json()) as JszBody;
  for (const account of body.account_details ?? []) {
    for (const s of account.stream_detail ?? []) {
      if (s.name !== stream) continue;
      return {
        messages: s.state?.messages ?? 0,
        firstSeq: s.state?.first_seq ?? 0,
        lastSeq: s.state?.last_seq ?? 0,
        leader: s.cluster?.leader,
      };
    }
  }
  return undefined;
}
