/**
 * The NATS calls `jetkeeper lab` makes besides administration: publishing probe messages
 * (Core NATS and JetStream), reading stream and consumer state with each replica's health,
 * and asking which streams capture a subject. Errors are decoded by decodeNatsError, so a
 * leader election surfaces as a transient JkError the caller may retry.
 */
import { NatsClient } from './client.js';
import { decodeNatsError } from './errors.js';
import type { ConnectionSettings } from './settings.js';

export interface LabPeer {
  name: string;
  current: boolean;
  offline: boolean;
  /** operations behind the leader */
  lag: number;
}

export interface LabStreamInfo {
  name: string;
  subjects: string[];
  storage: string;
  retention: string;
  replicas: number;
  messages: number;
  firstSeq: number;
  lastSeq: number;
  consumerCount: number;
  /** server name of the stream's Raft leader (clustered streams only) */
  leader?: string;
  /** the other replicas, as the leader sees them */
  peers: LabPeer[];
}

export interface LabConsumerInfo {
  stream: string;
  name: string;
  ackPolicy: string;
  filterSubject?: string;
  /** last delivered stream sequence */
  deliveredStreamSeq: number;
  /** highest contiguously acked stream sequence */
  ackFloorStreamSeq: number;
  numPending: number;
  numAckPending: number;
  numRedelivered: number;
  numWaiting: number;
  leader?: string;
}

/** What a single JetStream publish got: a PubAck, or the error that says no stream took it. */
export type PublishOutcome =
  | { stored: true; stream: string; seq: number; duplicate: boolean }
  | { stored: false; error: string };

/** The lab's probes over the one client connection (its JetStream domain honoured); reconnects across the cluster when a server dies. */
export class LabClient extends NatsClient {
  /** Connects and checks that JetStream answers (a JkError when it does not). */
  static override async connect(settings: ConnectionSettings): Promise<LabClient> {
    const base = await NatsClient.connect({ ...settings, timeoutMs: settings.timeoutMs ?? 5_000 }, { name: settings.name ?? 'jetkeeper-lab' });
    const client = new LabClient(base.nc, base.settings);
    try {
      await client.manager(client.timeoutMs, true);
      return client;
    } catch (e) {
      await client.close();
      throw decodeNatsError(e, undefined, settings);
    }
  }

  /** The server this client is connected to right now (`127.0.0.1:4222`). */
  get connectedServer(): string {
    return this.server;
  }

  async streamInfo(name: string): Promise<LabStreamInfo> {
    return this.call(`Stream/${name}`, async () => {
      const si = await (await this.manager()).streams.info(name);
      return {
        name: si.config.name,
        subjects: si.config.subjects ?? [],
        storage: String(si.config.storage),
        retention: String(si.config.retention),
        replicas: si.config.num_replicas,
        messages: si.state.messages,
        firstSeq: si.state.first_seq,
        lastSeq: si.state.last_seq,
        consumerCount: si.state.consumer_count,
        leader: si.cluster?.leader,
        peers: (si.cluster?.replicas ?? []).map((p) => ({ name: p.name, current: !!p.current, offline: !!p.offline, lag: p.lag ?? 0 })),
      };
    });
  }

  async consumerInfo(stream: string, name: string): Promise<LabConsumerInfo> {
    return this.call(`Consumer/${stream}/${name}`, async () => {
      const ci = await (await this.manager()).consumers.info(stream, name);
      return {
        stream,
        name: ci.name,
        ackPolicy: String(ci.config.ack_policy),
        filterSubject: ci.config.filter_subject || undefined,
        deliveredStreamSeq: ci.delivered.stream_seq,
        ackFloorStreamSeq: ci.ack_floor.stream_seq,
        numPending: ci.num_pending,
        numAckPending: ci.num_ack_pending,
        numRedelivered: ci.num_redelivered,
        numWaiting: ci.num_waiting,
        leader: ci.cluster?.leader,
      };
    });
  }

  /** Names of the streams whose subjects capture `subject` (the server matches wildcards). */
  async streamsCapturing(subject: string): Promise<string[]> {
    return this.call(undefined, async () => {
      const names: string[] = [];
      for await (const n of (await this.manager()).streams.names(subject)) names.push(n);
      return names;
    });
  }

  /** A plain Core NATS publish, flushed: the server has it, whoever (if anyone) listens. */
  async publishCore(subject: string, payload: unknown): Promise<void> {
    await this.call(undefined, async () => {
      this.publish(subject, JSON.stringify(payload));
      await this.flush();
    });
  }

  /**
   * One JetStream publish, no retry: the PubAck when a stream stored it, else the client's error
   * (with no stream on the subject that is "503 no responders", which the client reports as
   * "jetstream is not enabled").
   */
  async publishOnce(subject: string, payload: unknown, opts: { msgID?: string; timeoutMs?: number } = {}): Promise<PublishOutcome> {
    try {
      const ack = await this.js.publish(subject, JSON.stringify(payload), { msgID: opts.msgID, timeout: opts.timeoutMs ?? 2_000 });
      return { stored: true, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (e) {
      const err = e as Error & { cause?: Error };
      const cause = err.cause?.message ? ` (${err.cause.message})` : '';
      return { stored: false, error: `${err.name}: ${err.message}${cause}` };
    }
  }
}
