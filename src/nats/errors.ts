/**
 * The one classifier of NATS client errors. A JetStream API refusal is keyed on its `err_code`
 * (nats-server's server/errors.json), never on its message text; other client failures are known
 * by their error class (timeout, no responders, connection). `classify` says whether the same
 * request may succeed a moment later; `decodeNatsError` turns an error into a JkError with a fix.
 */
import { JetStreamApiError } from '@nats-io/jetstream';
import {
  ClosedConnectionError, ConnectionError, DrainingConnectionError, NoRespondersError, RequestError, TimeoutError,
} from '@nats-io/transport-node';
import { JkError } from '../errors.js';
import { redactSecrets, type ConnectionSettings } from './settings.js';

/** JetStream API error codes (`err_code`) jetkeeper acts on, named as nats-server's errors.json names them. */
export const JsApiCode = {
  /** JSAccountResourcesExceededErr: resource limits exceeded for account */
  AccountResourcesExceeded: 10002,
  /** JSBadRequestErr */
  BadRequest: 10003,
  /** JSClusterIncompleteErr: incomplete results (a peer did not answer in time) */
  ClusterIncomplete: 10004,
  /** JSClusterNoPeersErrF: no suitable peers for placement (too few servers up for these replicas) */
  ClusterNoPeers: 10005,
  /** JSClusterNotAvailErr: JetStream system temporarily unavailable (no meta or stream quorum) */
  ClusterNotAvailable: 10008,
  /** JSClusterNotLeaderErr: JetStream cluster can not handle request (no leader yet) */
  ClusterNotLeader: 10009,
  /** JSConsumerNameExistErr: consumer name already in use */
  ConsumerNameExist: 10013,
  /** JSConsumerNotFoundErr */
  ConsumerNotFound: 10014,
  /** JSInsufficientResourcesErr */
  InsufficientResources: 10023,
  /** JSInvalidJSONErr */
  InvalidJson: 10025,
  /** JSMaximumConsumersLimitErr */
  MaximumConsumersLimit: 10026,
  /** JSMaximumStreamsLimitErr */
  MaximumStreamsLimit: 10027,
  /** JSMemoryResourcesExceededErr */
  MemoryResourcesExceeded: 10028,
  /** JSNoMessageFoundErr */
  NoMessageFound: 10037,
  /** JSNotEnabledForAccountErr */
  NotEnabledForAccount: 10039,
  /** JSStorageResourcesExceededErr */
  StorageResourcesExceeded: 10047,
  /** JSStreamInvalidConfigF */
  StreamInvalidConfig: 10052,
  /** JSStreamNameExistErr: stream name already in use with a different configuration */
  StreamNameExist: 10058,
  /** JSStreamNotFoundErr */
  StreamNotFound: 10059,
  /** JSStreamReplicasNotUpdatableErr */
  StreamReplicasNotUpdatable: 10061,
  /** JSStreamSubjectOverlapErr */
  StreamSubjectOverlap: 10065,
  /** JSStreamWrongLastSequenceErrF */
  StreamWrongLastSequence: 10071,
  /**
   * JSStreamReplicasNotSupportedErr: "replicas > 1 not supported in non-clustered mode", answered to
   * a stream or consumer create with replicas > 1 on a server without a cluster (and, by 2.15, to
   * scaling a stream up; 2.9.10 took that). Permanent: the server does not grow a cluster between
   * two attempts (test/integration/nats.test.ts).
   */
  StreamReplicasNotSupported: 10074,
  /** JSNotEnabledErr: JetStream not enabled */
  NotEnabled: 10076,
  /** JSStreamOfflineErr */
  StreamOffline: 10118,
  /** JSConsumerOfflineErr */
  ConsumerOffline: 10119,
  /** JSConsumerAlreadyExists: action create for an existing consumer with another config */
  ConsumerAlreadyExists: 10148,
  /** JSConsumerDoesNotExist: action update for a consumer that does not exist */
  ConsumerDoesNotExist: 10149,
  /** JSPedanticErrF */
  Pedantic: 10157,
  /** JSStreamDuplicateMessageConflict: an earlier publish with this message ID is still being proposed */
  DuplicateMessageInProcess: 10158,
  /** JSStreamExpectedLastSeqPerSubjectNotReady */
  ExpectedLastSeqPerSubjectNotReady: 10163,
  /** JSStreamTooManyRequests */
  TooManyRequests: 10167,
  /** JSRequiredApiLevelErr */
  RequiredApiLevel: 10185,
} as const;

export type JsApiCode = (typeof JsApiCode)[keyof typeof JsApiCode];

/** API codes after which the same request may succeed a moment later (quorum, leader election, load). */
const TRANSIENT_API_CODES: ReadonlySet<number> = new Set<number>([
  JsApiCode.ClusterNotAvailable,
  JsApiCode.ClusterNotLeader,
  JsApiCode.DuplicateMessageInProcess,
  JsApiCode.ExpectedLastSeqPerSubjectNotReady,
  JsApiCode.TooManyRequests,
]);

/** Whether a JetStream API refusal with this err_code may succeed when sent again. */
export function isTransientApiCode(code: number): boolean {
  return TRANSIENT_API_CODES.has(code);
}

/**
 * What went wrong, as a stable code: `api_<err_code>`, `timeout`, `no_responders` (503; a JetStream
 * publish with no stream leader, which the client reports as "JetStreamNotEnabled"), `status_<n>`,
 * `connection`, `aborted` or `other`.
 */
export interface ErrorClass {
  code: string;
  /** a later attempt of the same request may succeed */
  transient: boolean;
  /** the JetStream err_code, for `api_<n>` */
  apiCode?: number;
}

/** An error that was classified where it happened (a publish ack with an error, a timed-out ack). */
export class ClassifiedError extends Error {
  readonly code: string;
  readonly transient: boolean;
  readonly apiCode?: number;
  constructor(c: ErrorClass, message: string) {
    super(message);
    this.name = 'ClassifiedError';
    this.code = c.code;
    this.transient = c.transient;
    this.apiCode = c.apiCode;
  }
}

/** The class of a JetStream API refusal with this err_code. */
export function classifyApiCode(apiCode: number): ErrorClass {
  return { code: `api_${apiCode}`, apiCode, transient: isTransientApiCode(apiCode) };
}

/** The class of a NATS status reply (no payload, a status header): 503 no responders, 408 request timeout. */
export function classifyStatus(status: number): ErrorClass {
  if (status === 503) return { code: 'no_responders', transient: true };
  return { code: `status_${status}`, transient: status === 408 };
}

function causes(e: unknown): unknown[] {
  const out: unknown[] = [];
  for (let x: unknown = e; x !== undefined && x !== null && out.length < 5; x = (x as { cause?: unknown }).cause) out.push(x);
  return out;
}

const JK_CLASS: Partial<Record<string, string>> = { JK2001: 'connection', JK2002: 'no_responders', JK2005: 'timeout' };
const NODE_CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The class of one error (not its causes), or undefined when it says nothing by itself. */
function classifyOne(x: unknown): ErrorClass | undefined {
  if (x instanceof ClassifiedError) return { code: x.code, transient: x.transient, apiCode: x.apiCode };
  if (x instanceof JkError) {
    if (x.apiCode !== undefined) return { code: `api_${x.apiCode}`, apiCode: x.apiCode, transient: x.transient };
    return { code: JK_CLASS[x.code] ?? 'other', transient: x.transient };
  }
  if (x instanceof JetStreamApiError) return classifyApiCode(x.code);
  if (!(x instanceof Error)) return undefined;
  if (x instanceof TimeoutError) return { code: 'timeout', transient: true };
  if (x instanceof NoRespondersError || (x instanceof RequestError && x.isNoResponders())) return { code: 'no_responders', transient: true };
  if (x.name === 'AbortError') return { code: 'aborted', transient: false };
  if (x instanceof ClosedConnectionError || x instanceof DrainingConnectionError) return { code: 'connection', transient: false };
  if (x instanceof ConnectionError) return { code: 'connection', transient: true };
  const sys = (x as { code?: unknown }).code;
  if (typeof sys === 'string' && NODE_CONNECTION_CODES.has(sys)) return { code: 'connection', transient: true };
  return undefined;
}

/**
 * Classifies a client error (and its causes): a JetStream err_code anywhere in the chain wins (the
 * client wraps "JetStream not enabled for account", 10039, in a JetStreamNotEnabled), then the first
 * error whose class says what happened.
 */
export function classify(e: unknown): ErrorClass {
  const chain = causes(e);
  for (const x of chain) if (x instanceof JetStreamApiError) return classifyApiCode(x.code);
  for (const x of chain) {
    const c = classifyOne(x);
    if (c) return c;
  }
  // a JetStream request nobody answered (no JetStream, or no stream leader for a publish)
  if (chain.some((x) => x instanceof Error && x.name === 'JetStreamNotEnabled')) return { code: 'no_responders', transient: true };
  return { code: 'other', transient: false };
}

/** How to fix a refusal with this err_code. */
function fixForApiCode(code: number): string {
  switch (code) {
    case JsApiCode.StreamNameExist: return 'a stream with this name exists with a different config; run `jetkeeper plan` to see the difference';
    case JsApiCode.StreamSubjectOverlap: return 'another stream already captures one of these subjects; change the subjects or the other stream';
    case JsApiCode.StreamInvalidConfig: case JsApiCode.InvalidJson: return 'the server rejected this config: check the field named in the message';
    case JsApiCode.InsufficientResources: return 'not enough servers or resources for these replicas/limits; lower spec.replicas or add servers';
    case JsApiCode.StreamReplicasNotSupported: return 'the server is not clustered: set spec.replicas: 1, or start a cluster (`jetkeeper up --servers 3`)';
    case JsApiCode.ConsumerAlreadyExists: case JsApiCode.ConsumerNameExist: return 'a consumer with this name already exists with another config; run `jetkeeper plan`';
    case JsApiCode.StorageResourcesExceeded: return 'the server ran out of JetStream storage: free space or lower maxBytes';
    case JsApiCode.ClusterNotAvailable: return 'the cluster has no JetStream quorum right now; retry when servers are back';
    case JsApiCode.NotEnabledForAccount: case JsApiCode.NotEnabled: return 'enable JetStream for this account (jetstream in its account config) or connect as an account that has it';
    default: return 'read the server message; `jetkeeper plan` shows what jetkeeper sends';
  }
}

/** Turns any client error into a JkError naming the resource; secrets are redacted. */
export function decodeNatsError(e: unknown, resource: string | undefined, settings?: ConnectionSettings): JkError {
  if (e instanceof JkError) return e;
  const text = redactSecrets(String((e as Error)?.message ?? e), settings);
  const c = classify(e);
  if (c.apiCode !== undefined) {
    const code = c.apiCode === JsApiCode.NotEnabledForAccount || c.apiCode === JsApiCode.NotEnabled ? 'JK2002' : 'JK2003';
    return new JkError(code, { message: `server refused: ${text} (err_code ${c.apiCode})`, resource, apiCode: c.apiCode, transient: c.transient, fix: fixForApiCode(c.apiCode) });
  }
  if (c.code === 'timeout') {
    return new JkError('JK2005', { message: `request timed out: ${text}`, resource, transient: true, fix: 'check that the cluster has a JetStream meta leader (`jetkeeper status`), then retry' });
  }
  if (c.code === 'no_responders') {
    return new JkError('JK2002', { message: `no JetStream responder: ${text}`, resource, transient: true, fix: 'enable JetStream on the server (jetstream {} in its config) or wait for a stream/meta leader election' });
  }
  return new JkError('JK2003', { message: text, resource, transient: c.transient, fix: 'see the server log for details' });
}
