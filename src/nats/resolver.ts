/**
 * The servers' account resolver, reached through the system account: how many servers answer,
 * and account JWT updates (`$SYS.REQ.CLAIMS.UPDATE`) with every server's own reply.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { openConnection } from './admin.js';
import type { ConnectionSettings } from './settings.js';

/** One server's answer to one claims update. */
export interface ClaimsReply {
  server: string;
  accepted: boolean;
  /** the server's words, e.g. "jwt updated" */
  message: string;
  code?: number;
}

export interface ClaimsUpdate {
  account: string;
  replies: ClaimsReply[];
}

interface ServerReply {
  server?: { name?: string; id?: string };
  data?: { code?: number; message?: string; account?: string };
  error?: { code?: number; description?: string };
}

async function collect(nc: NatsConnection, subject: string, payload: string | Uint8Array, waitMs: number, expect?: number): Promise<ServerReply[]> {
  const out: ServerReply[] = [];
  const it = await nc.requestMany(subject, payload, expect ? { strategy: 'count', maxMessages: expect, maxWait: waitMs } : { strategy: 'timer', maxWait: waitMs });
  try {
    for await (const m of it) {
      try {
        out.push(JSON.parse(new TextDecoder().decode(m.data)) as ServerReply);
      } catch {
        out.push({ error: { description: 'unreadable reply' } });
      }
    }
  } catch {
    // no responders or a timeout: what arrived is the answer
  }
  return out;
}

function asReply(r: ServerReply): ClaimsReply {
  const server = r.server?.name ?? r.server?.id ?? '?';
  if (r.error) return { server, accepted: false, message: r.error.description ?? 'refused', code: r.error.code };
  return { server, accepted: (r.data?.code ?? 200) < 300, message: r.data?.message ?? '', code: r.data?.code };
}

/**
 * Sends each account JWT to every server's resolver and collects each server's reply. `servers`
 * is how many servers answered a ping first (so the wait ends when all have replied).
 */
export async function pushAccountJwts(settings: ConnectionSettings, jwts: readonly { account: string; jwt: string }[], waitMs = 2000): Promise<{ servers: string[]; updates: ClaimsUpdate[] }> {
  const nc = await openConnection(settings);
  try {
    const pings = await collect(nc, '$SYS.REQ.SERVER.PING', '', Math.min(waitMs, 1000));
    const servers = pings.map((p) => p.server?.name ?? p.server?.id ?? '?').sort();
    const updates: ClaimsUpdate[] = [];
    for (const j of jwts) {
      const replies = await collect(nc, '$SYS.REQ.CLAIMS.UPDATE', j.jwt, waitMs, servers.length || undefined);
      updates.push({ account: j.account, replies: replies.map(asReply).sort((a, b) => a.server.localeCompare(b.server)) });
    }
    return { servers, updates };
  } finally {
    await nc.close().catch(() => {});
  }
}
