/**
 * The NATS calls `jetkeeper lab` makes besides administration: publishing probe messages
 * (Core NATS and JetStream), reading stream and consumer state with each replica's health,
 * and asking which streams capture a subject. Errors are decoded by decodeNatsError, so a
 * leader election surfaces as a transient JkError the caller may retry.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { ConnectionSettings } from './settings.js';
import { decodeNatsError, openConnection } from './admin.js';

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

/** One connection for the lab's probes; reconnects across the cluster when a server dies. */
export class LabClient {
  readonly nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #settings: ConnectionSettings;

  private constructor(nc: NatsConnection, jsm: JetStreamManager, settings: ConnectionSettings) {
    this.nc = nc;
    this.#jsm = jsm;
    this.#js = jetstream(nc, { timeout: settings.timeoutMs ?? 5_000 });
    this.#settings = settings;
  }

  static async connect(settings: ConnectionSettings): Promise<LabClient> {
    const nc = await openConnection({ ...settings, name: settings.name ?? 'jetkeeper-lab' });
    try {
      return new LabClient(nc, await jetstreamManager(nc, { timeout: settings.timeoutMs ?? 5_000 }), settings);
    } catch (e) {
      await nc.close();
      throw decodeNatsError(e, undefined, settings);
    }
  }

  /** The server this client is connected to right now (`127.0.0.1:4222`). */
  get connectedServer(): string {
    return this.nc.getServer();
  }

  async streamInfo(name: string): Promise<LabStreamInfo> {
    try {
      const si = await this.#jsm.streams.info(name);
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
    } catch (e) {
      throw decodeNatsError(e, `Stream/${name}`, this.#settings);
    }
  }

  async consumerInfo(stream: string, name: string): Promise<LabConsumerInfo> {
    try {
      const ci = await this.#jsm.consumers.info(stream, name);
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
    } catch (e) {
      throw decodeNatsError(e, `Consumer/${stream}/${name}`, this.#settings);
    }
  }

  /** Names of the streams whose subjects capture `subject` (the server matches wildcards). */
  async streamsCapturing(subject: string): Promise<string[]> {
    try {
      const names: string[] = [];
      for await (const n of this.#jsm.streams.names(subject)) names.push(n);
      return names;
    } catch (e) {
      throw decodeNatsError(e, undefined, this.#settings);
    }
  }

  /** A plain Core NATS publish, flushed: the server has it, whoever (if anyone) listens. */
  async publishCore(subject: string, payload: unknown): Promise<void> {
    try {
      this.nc.publish(subject, JSON.stringify(payload));
      await this.nc.flush();
    } catch (e) {
      throw decodeNatsError(e, undefined, this.#settings);
    }
  }

  /**
   * One JetStream publish, no retry: the PubAck when a stream stored it, else the client's error
   * (with no stream on the subject that is "503 no responders", which the client reports as
   * "jetstream is not enabled").
   */
  async publishOnce(subject: string, payload: unknown, opts: { msgID?: string; timeoutMs?: number } = {}): Promise<PublishOutcome> {
    try {
      const ack = await this.#js.publish(subject, JSON.stringify(payload), { msgID: opts.msgID, timeout: opts.timeoutMs ?? 2_000 });
      return { stored: true, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
    } catch (e) {
      const err = e as Error & { cause?: Error };
      const cause = err.cause?.message ? ` (${err.cause.message})` : '';
      return { stored: false, error: `${err.name}: ${err.message}${cause}` };
    }
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
