/**
 * What the drill measures from each server's own view: its monitor endpoint `/jsz`. A stream has a
 * leader when some live server reports itself leader with a quorum of current replicas in its view.
 */
import type { ServerState } from '../local/cluster.js';
import { jszStreamDetail, readJsz } from '../nats/monitor.js';
import { sleep } from '../nats/retry.js';
import type { LeaderSample } from './drill-report.js';

const MONITOR_INTERVAL_MS = 250;
/** raft heartbeats are about 1 s apart: a replica silent for longer than 3 s is not counted current */
const REPLICA_SILENT_NS = 3_000_000_000;

export interface ServerView {
  leader?: string;
  /** in this server's view: itself plus the replicas it sees current make a majority of the peers */
  quorum: boolean;
  lastSeq: number;
  messages: number;
}

/** One server's own view of `stream` from its /jsz, or null (unreachable, or it holds no replica). */
export async function serverView(s: ServerState, stream: string, timeoutMs = 800): Promise<ServerView | null> {
  try {
    const st = jszStreamDetail(await readJsz(s.monitorUrl, { streams: true, timeoutMs }), stream);
    if (!st) return null;
    const reps = st.cluster?.replicas ?? [];
    // a replica cut off by a network partition is not "offline" (no connection drops) and stays
    // "current" for a while: one not heard from for REPLICA_SILENT_NS does not count either
    const current = reps.filter((r) => r.current && !r.offline && !((r.active ?? 0) > REPLICA_SILENT_NS)).length;
    return { leader: st.cluster?.leader, quorum: 1 + current > (1 + reps.length) / 2, lastSeq: st.state?.last_seq ?? 0, messages: st.state?.messages ?? 0 };
  } catch {
    return null;
  }
}

/** Polls every live server's /jsz and records who (by its own account, with a quorum in its own view) leads the stream. */
export class LeaderMonitor {
  readonly samples: LeaderSample[] = [];
  #stopped = false;
  #loop: Promise<void> | undefined;
  constructor(
    private readonly servers: readonly ServerState[],
    private readonly stream: string,
    private readonly down: ReadonlySet<string>,
  ) {}

  start(): void {
    this.#loop ??= (async () => {
      while (!this.#stopped) {
        const started = performance.now();
        const live = this.servers.filter((s) => !this.down.has(s.name));
        const views = await Promise.all(live.map((s) => serverView(s, this.stream, 600)));
        // a leader that has lost its quorum (2 of 3 down) still calls itself leader for a while: it does not count
        const leader = live.find((s, i) => views[i]?.leader === s.name && views[i]?.quorum && !this.down.has(s.name))?.name;
        this.samples.push({ t: performance.now(), leader });
        await sleep(MONITOR_INTERVAL_MS - (performance.now() - started));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }
}
