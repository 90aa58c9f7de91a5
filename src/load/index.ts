/**
 * The load generator: acked JetStream publishes, consumers that count what they see, core NATS
 * publish/subscribe and request/reply, latency histograms and pacing. For `jetkeeper drill`,
 * `jetkeeper bench` (bench.ts) and bench/. What goes through the NATS client is in src/nats/load.ts.
 */
export { Histogram, type LatencySummary } from './histogram.js';
export { IdCounts, parseMsgId } from './ids.js';
export { Pacer } from './pacing.js';
export { payloadSentAt, stampPayload, wallMs } from './payload.js';
export { newLoadStats, type LoadStats } from './stats.js';
export { JsPublisher, type JsPublishOptions, type PublishStats } from './publisher.js';
export { PullConsumerLoad, readStream, type PullConsumerOptions, type StreamReadback } from './consumer.js';
export {
  runCorePublish, runJsSubscribe, runRequests, startResponder, startSubscriber,
  type CorePublishOptions, type JsSubscribeOptions, type RequestOptions, type SubscriberHandle,
} from './core.js';
export { openLoadConnection, probeJetStreamApi, streamForSubject, type ApiProbe, type LoadConnection } from '../nats/load.js';
export { formatBenchReport, runBench, type BenchControl, type BenchMode, type BenchOptions, type BenchProgress, type BenchReport } from './bench.js';
