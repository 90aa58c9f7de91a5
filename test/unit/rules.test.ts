/**
 * validate is as strict as nats-server: each case is a manifest the server refuses at create,
 * and validate must refuse it with a coded, located error, with the server's own words where
 * the server has them. Also the identity of a resource (its connection target), warnings, and
 * near-miss apiVersions.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments, type ValidationResult } from '../../src/manifests/validate.js';
import type { ErrorCode } from '../../src/errors.js';
import {
  assetNameProblem, isValidSubject, subjectIsSubsetMatch, subjectProblem, subjectsCollide,
} from '../../src/resources/subjects.js';
import { RULES } from '../../src/resources/kindrules.js';

const HEAD = 'apiVersion: jetstream.nats.io/v1beta2';

/** A YAML document of one kind; `spec` lines are indented by two. */
const doc = (kind: string, name: string, spec: string[], extra: string[] = []) =>
  [HEAD, `kind: ${kind}`, 'metadata:', `  name: ${name}`, ...extra, 'spec:', ...spec.map((l) => `  ${l}`), ''].join('\n');
const stream = (...spec: string[]) => doc('Stream', 'orders', ['name: ORDERS', ...spec]);
const consumer = (...spec: string[]) => doc('Consumer', 'worker', ['streamName: ORDERS', 'durableName: worker', ...spec]);
const both = (s: string[], c: string[]) => [stream(...s), consumer(...c)].join('---\n');

function validate(text: string): ValidationResult {
  return validateDocuments(parseManifests(text, 'm.yaml'));
}

interface Case {
  name: string;
  text: string;
  code: ErrorCode;
  field: string;
  /** the server's own words where it has them (substring of the message) */
  message: string | RegExp;
  line?: number;
}

function check(c: Case): void {
  test(c.name, () => {
    const r = validate(c.text);
    const e = r.errors.find((x) => x.field === c.field);
    assert.ok(e, `expected an error on ${c.field}, got:\n${r.errors.map((x) => x.format()).join('\n') || '(none)'}`);
    assert.equal(e.code, c.code, e.format());
    if (typeof c.message === 'string') assert.ok(e.message.includes(c.message), `"${e.message}" should contain "${c.message}"`);
    else assert.match(e.message, c.message);
    assert.ok(e.fix && e.fix.length > 5, 'every error carries a fix');
    assert.equal(e.at?.file, 'm.yaml');
    if (c.line !== undefined) assert.equal(e.at?.line, c.line, e.format());
  });
}

describe('stream subjects (checkStreamCfg)', () => {
  const cases: Case[] = [
    { name: 'a space in a subject', text: stream('subjects: ["orders new"]'), code: 'JK1013', field: 'spec.subjects.0', message: 'cannot contain spaces', line: 7 },
    { name: 'an empty token (orders..x)', text: stream('subjects: [orders..x]'), code: 'JK1013', field: 'spec.subjects.0', message: 'empty token' },
    { name: 'a leading dot', text: stream('subjects: [.orders]'), code: 'JK1013', field: 'spec.subjects.0', message: 'empty token' },
    { name: '">" not last', text: stream('subjects: [orders.>.x]'), code: 'JK1013', field: 'spec.subjects.0', message: '">" can only be the last token' },
    { name: 'the same subject twice', text: stream('subjects: [orders.a, orders.b, orders.a]'), code: 'JK1013', field: 'spec.subjects.2', message: 'listed twice' },
    { name: 'two subjects of one stream overlapping', text: stream('subjects: [orders.a, orders.*]'), code: 'JK1013', field: 'spec.subjects.1', message: 'overlaps with "orders.a"' },
    { name: '[">"] without noAck', text: stream('subjects: [">"]'), code: 'JK1013', field: 'spec.subjects.0', message: 'capturing all subjects requires no-ack to be true' },
    { name: '[">"] with noAck but replicas 3', text: stream('subjects: [">"]', 'noAck: true', 'replicas: 3'), code: 'JK1009', field: 'spec.subjects.0', message: 'capturing all subjects requires replicas of 1' },
    { name: '$JS.API.> (the JetStream API)', text: stream('subjects: [$JS.API.>]'), code: 'JK1013', field: 'spec.subjects.0', message: 'subjects overlap with jetstream api' },
    { name: '$JS.API.x even with noAck (refused by servers before 2.11)', text: stream('subjects: [$JS.API.x]', 'noAck: true'), code: 'JK1013', field: 'spec.subjects.0', message: 'subjects overlap with jetstream api' },
    { name: '$JS.FC.> without noAck (2.11+)', text: stream('subjects: [$JS.FC.>]'), code: 'JK1013', field: 'spec.subjects.0', message: 'subjects that overlap with jetstream api require no-ack to be true' },
    { name: '$JSC.x', text: stream('subjects: [$JSC.x]'), code: 'JK1013', field: 'spec.subjects.0', message: 'jetstream api' },
    { name: '$NRG.>', text: stream('subjects: [$NRG.>]'), code: 'JK1013', field: 'spec.subjects.0', message: 'jetstream api' },
    { name: '$SYS.REQ.x (the system API)', text: stream('subjects: [$SYS.REQ.x]'), code: 'JK1013', field: 'spec.subjects.0', message: 'subjects that overlap with system api require no-ack to be true' },
    { name: 'a tab at the end of a subject', text: stream('subjects: ["orders.a\\t"]'), code: 'JK1013', field: 'spec.subjects.0', message: 'tabs' },
  ];
  cases.forEach(check);

  const accepted: string[][] = [
    ['subjects: [$JS.EVENT.x]'], ['subjects: [$SYS.ACCOUNT.x.>]'], ['subjects: [$JS.FC.>]', 'noAck: true'],
    ['subjects: [">"]', 'noAck: true'], ['subjects: [orders.*.x, orders.y.z]'],
  ];
  for (const lines of accepted) {
    test(`accepts ${lines.join(', ')} as the server does`, () => {
      assert.deepEqual(validate(stream(...lines)).errors.map((e) => e.format()), []);
    });
  }
});

describe('names (isValidAssetName, JSMaxNameLen)', () => {
  const long = 'x'.repeat(256);
  const cases: Case[] = [
    { name: 'a space in a stream name', text: doc('Stream', 'o', ['name: "OR DERS"']), code: 'JK1014', field: 'spec.name', message: 'spaces' },
    { name: 'a "/" in a stream name', text: doc('Stream', 'o', ['name: "OR/DERS"']), code: 'JK1014', field: 'spec.name', message: '"/"' },
    { name: 'a "\\" in a stream name', text: doc('Stream', 'o', ['name: "OR\\\\DERS"']), code: 'JK1014', field: 'spec.name', message: '"\\"' },
    { name: 'a control character in a stream name', text: doc('Stream', 'o', ['name: "OR\\u001bDERS"']), code: 'JK1014', field: 'spec.name', message: 'control characters' },
    { name: 'a stream name over 255 bytes', text: doc('Stream', 'o', [`name: ${long}`]), code: 'JK1014', field: 'spec.name', message: 'at most 255 bytes' },
    { name: 'a "." in a stream name (NACK pattern)', text: doc('Stream', 'o', ['name: OR.DERS']), code: 'JK1005', field: 'spec.name', message: 'must not contain' },
    { name: 'a space in a durable name', text: consumer().replace('durableName: worker', 'durableName: "wor ker"'), code: 'JK1014', field: 'spec.durableName', message: 'spaces' },
    { name: 'a durable name over 255 bytes', text: consumer().replace('durableName: worker', `durableName: ${long}`), code: 'JK1014', field: 'spec.durableName', message: 'at most 255 bytes' },
    { name: 'a bucket whose stream KV_<bucket> is over 255 bytes', text: doc('KeyValue', 'kv', [`bucket: ${'b'.repeat(253)}`]), code: 'JK1014', field: 'spec.bucket', message: 'KV_<bucket> has 256 bytes' },
    { name: 'an object store whose stream OBJ_<bucket> is over 255 bytes', text: doc('ObjectStore', 'ob', [`bucket: ${'b'.repeat(252)}`]), code: 'JK1014', field: 'spec.bucket', message: 'OBJ_<bucket> has 256 bytes' },
    { name: 'a KeyValue sourcing a bucket with "." in its name', text: doc('KeyValue', 'kv', ['bucket: b', 'sources: [{name: a.b}]']), code: 'JK1014', field: 'spec.sources.0.name', message: 'sourced bucket stream "KV_a.b"' },
    { name: 'a source stream name with "."', text: stream('sources: [{name: A.B}]'), code: 'JK1014', field: 'spec.sources.0.name', message: 'sourced stream name' },
    {
      name: 'a metadata.name Kubernetes refuses in a namespaced manifest',
      text: doc('Stream', 'ORDERS_Stream', ['name: ORDERS'], ['  namespace: nats']), code: 'JK1014', field: 'metadata.name', message: 'DNS-1123',
    },
  ];
  cases.forEach(check);

  test('a 255-byte stream name is accepted', () => {
    assert.deepEqual(validate(doc('Stream', 'o', [`name: ${'x'.repeat(255)}`])).errors, []);
  });

  test('a metadata.name Kubernetes refuses is only a warning without a namespace', () => {
    const r = validate(doc('Stream', 'ORDERS', ['name: ORDERS']));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.field]), [['JK1014', 'metadata.name']]);
    assert.match(r.warnings[0].fix ?? '', /"orders"/);
  });
});

describe('numbers and durations', () => {
  const cases: Case[] = [
    { name: 'maxMsgSize above int32', text: stream('maxMsgSize: 2147483648'), code: 'JK1005', field: 'spec.maxMsgSize', message: 'int32' },
    { name: 'maxAge below 100ms', text: stream('maxAge: 50ms'), code: 'JK1005', field: 'spec.maxAge', message: 'max age needs to be >= 100ms' },
    { name: 'duplicateWindow longer than maxAge', text: stream('maxAge: 1h', 'duplicateWindow: 2h'), code: 'JK1009', field: 'spec.duplicateWindow', message: 'duplicates window can not be larger then max age' },
    { name: 'duplicateWindow longer than the one year NACK sends without maxAge', text: stream('duplicateWindow: 9000h'), code: 'JK1009', field: 'spec.duplicateWindow', message: 'duplicates window can not be larger then max age' },
    { name: 'duplicateWindow below 100ms', text: stream('duplicateWindow: 50ms'), code: 'JK1005', field: 'spec.duplicateWindow', message: 'duplicates window needs to be >= 100ms' },
    { name: 'a stream description over 4 KiB', text: stream(`description: ${'d'.repeat(4097)}`), code: 'JK1005', field: 'spec.description', message: 'JSMaxDescriptionLen' },
    { name: 'a consumer description over 4 KiB', text: consumer(`description: ${'d'.repeat(4097)}`), code: 'JK1005', field: 'spec.description', message: 'at most 4096' },
    { name: 'a duration that overflows int64 nanoseconds (9999999999h)', text: stream('maxAge: 9999999999h'), code: 'JK1007', field: 'spec.maxAge', message: 'out of range' },
    { name: 'a duration of 1 and 400 zeros seconds', text: stream(`maxAge: 1${'0'.repeat(400)}s`), code: 'JK1007', field: 'spec.maxAge', message: 'out of range' },
    { name: 'a duration with a leading space', text: stream('maxAge: " 5s"'), code: 'JK1007', field: 'spec.maxAge', message: 'write "5s"' },
    { name: 'a duration with a trailing newline', text: stream('maxAge: "24h\\n"'), code: 'JK1007', field: 'spec.maxAge', message: 'write "24h"' },
    { name: 'an integer above 2^53 (never shown rounded)', text: stream('maxBytes: 9007199254740993'), code: 'JK1005', field: 'spec.maxBytes', message: /^the number written here is beyond 9007199254740991/ },
    { name: 'a number too large to read (1e400)', text: stream('maxMsgs: 1e400'), code: 'JK1005', field: 'spec.maxMsgs', message: 'cannot be read exactly' },
    { name: 'optStartTime that is not a real instant', text: consumer('deliverPolicy: byStartTime', 'optStartTime: "2026-13-45T99:99:99Z"'), code: 'JK1005', field: 'spec.optStartTime', message: 'month 13 is out of range' },
    { name: 'optStartTime on the 30th of February', text: consumer('deliverPolicy: byStartTime', 'optStartTime: "2026-02-30T10:00:00Z"'), code: 'JK1005', field: 'spec.optStartTime', message: 'day 30 is out of range (01 to 28)' },
    { name: 'a source optStartTime at 24:00', text: stream('sources: [{name: A, optStartTime: "2026-01-02T24:00:00Z"}]'), code: 'JK1005', field: 'spec.sources.0.optStartTime', message: 'out of range' },
    { name: 'subjectDeleteMarkerTtl below 1s', text: stream('allowMsgTtl: true', 'subjectDeleteMarkerTtl: 500ms'), code: 'JK1005', field: 'spec.subjectDeleteMarkerTtl', message: 'subject delete marker TTL must be at least 1 second' },
    { name: 'a KeyValue ttl below 100ms', text: doc('KeyValue', 'kv', ['bucket: b', 'ttl: 50ms']), code: 'JK1005', field: 'spec.ttl', message: 'max age needs to be >= 100ms' },
    { name: 'an ObjectStore ttl below 100ms', text: doc('ObjectStore', 'ob', ['bucket: b', 'ttl: 10ms']), code: 'JK1005', field: 'spec.ttl', message: 'max age needs to be >= 100ms' },
    { name: 'a KeyValue republishing into itself', text: doc('KeyValue', 'kv', ['bucket: b', 'republish: {source: $KV.b.>, destination: $KV.b.copy}']), code: 'JK1009', field: 'spec.republish.destination', message: 'forms a cycle' },
    { name: 'an empty backoff step', text: consumer('backoff: ["1s", ""]'), code: 'JK1007', field: 'spec.backoff.1', message: 'empty duration' },
  ];
  cases.forEach(check);

  test('a padded duration gets the fix with the trimmed value', () => {
    const [e] = validate(stream('maxAge: " 5s"')).errors;
    assert.equal(e.fix, 'write "5s", without spaces or line breaks (Go and NACK refuse them)');
  });

  test('the error for 9007199254740993 never shows ...992', () => {
    const [e] = validate(stream('maxBytes: 9007199254740993')).errors;
    assert.ok(!e.format().includes('9007199254740992'), e.format());
  });

  test('an empty optional duration means unset, as NACK treats it (ackWait: "")', () => {
    const r = validate(consumer('ackWait: ""', 'inactiveThreshold: ""', 'heartbeatInterval: ""'));
    assert.deepEqual(r.errors.map((e) => e.format()), []);
    const s = validate(stream('duplicateWindow: ""'));
    assert.deepEqual(s.errors.map((e) => e.format()), []);
  });

  test('maxAge "0" (unlimited) and 100ms are accepted', () => {
    assert.deepEqual(validate(stream('maxAge: "0"', 'duplicateWindow: 1h')).errors, []);
    assert.deepEqual(validate(stream('maxAge: 100ms')).errors, []);
  });
});

describe('enums are never silently dropped', () => {
  check({ name: 'persistMode: asyncc', text: stream('persistMode: asyncc'), code: 'JK1005', field: 'spec.persistMode', message: '"asyncc" is not allowed' });
  test('persistMode: asyncc suggests async', () => {
    assert.match(validate(stream('persistMode: asyncc')).errors[0].fix ?? '', /did you mean "async"/);
  });
  check({ name: 'persistMode async on memory storage (the CRD default)', text: stream('persistMode: async'), code: 'JK1009', field: 'spec.persistMode', message: 'async persist mode is only supported on file storage' });
  test('persistMode async on file storage and default are accepted', () => {
    assert.deepEqual(validate(stream('persistMode: async', 'storage: file')).errors, []);
    assert.deepEqual(validate(stream('persistMode: default')).errors, []);
  });
});

describe('stream features, mirrors and sources', () => {
  const cases: Case[] = [
    { name: 'a counter stream with discard new', text: stream('allowMsgCounter: true', 'discard: new'), code: 'JK1009', field: 'spec.allowMsgCounter', message: 'counter stream cannot use discard new' },
    { name: 'a counter stream with workqueue retention', text: stream('allowMsgCounter: true', 'retention: workqueue'), code: 'JK1009', field: 'spec.allowMsgCounter', message: 'counter stream can only use limits retention' },
    { name: 'message schedules with discard new', text: stream('allowMsgSchedules: true', 'discard: new'), code: 'JK1009', field: 'spec.allowMsgSchedules', message: 'message scheduling cannot use discard new' },
    { name: 'mirrorDirect without a mirror', text: stream('mirrorDirect: true'), code: 'JK1009', field: 'spec.mirrorDirect', message: 'stream has no mirror but does have mirror direct' },
    { name: 'a mirror with firstSequence', text: doc('Stream', 'm', ['name: M', 'mirror: {name: ORDERS}', 'firstSequence: 10']), code: 'JK1009', field: 'spec.firstSequence', message: 'stream mirrors can not have first sequence configured' },
    { name: 'a mirror of an invalid stream name', text: doc('Stream', 'm', ['name: M', 'mirror: {name: "OR DERS"}']), code: 'JK1014', field: 'spec.mirror.name', message: 'mirrored stream name' },
    { name: 'the same source twice', text: stream('sources: [{name: A}, {name: A}]'), code: 'JK1009', field: 'spec.sources.1', message: 'duplicate source configuration detected' },
    { name: 'a source with filterSubject and transforms', text: stream('sources: [{name: A, filterSubject: a.>, subjectTransforms: [{source: b.>, dest: c.>}]}]'), code: 'JK1009', field: 'spec.sources.0.filterSubject', message: 'cannot also have a single subject filter' },
    { name: 'an invalid source filter', text: stream('sources: [{name: A, filterSubject: a..b}]'), code: 'JK1013', field: 'spec.sources.0.filterSubject', message: 'empty token' },
    { name: 'an external delivery prefix with wildcards', text: stream('sources: [{name: A, externalApiPrefix: $JS.hub.API, externalDeliverPrefix: deliver.*}]'), code: 'JK1013', field: 'spec.sources.0.externalDeliverPrefix', message: 'must not contain wildcards' },
    { name: 'an external api prefix that is the local API', text: stream('sources: [{name: A, externalApiPrefix: $JS.API}]'), code: 'JK1013', field: 'spec.sources.0.externalApiPrefix', message: 'must not overlap with $JS.API' },
    { name: 'a republish destination feeding the stream', text: stream('subjects: [orders.>]', 'republish: {source: orders.>, destination: orders.copy}'), code: 'JK1009', field: 'spec.republish.destination', message: 'republish destination forms a cycle' },
    { name: 'a republish whose transform the server cannot build (> to a literal)', text: stream('subjects: [orders.>]', 'republish: {source: orders.>, destination: copy.x}'), code: 'JK1013', field: 'spec.republish.destination', message: "stream configuration for republish with transform from 'orders.>' to 'copy.x' not valid" },
    { name: 'a republish without source (">") to a literal', text: stream('subjects: [orders.>]', 'republish: {destination: copy.x}'), code: 'JK1013', field: 'spec.republish.destination', message: '">" must end both' },
    { name: 'a stream transform to a "*" destination', text: stream('subjectTransform: {source: "a.*", dest: "b.*"}'), code: 'JK1013', field: 'spec.subjectTransform.dest', message: 'cannot contain "*"' },
    { name: 'a source transform naming a wildcard the source lacks', text: stream('sources: [{name: A, subjectTransforms: [{source: "a.*", dest: "b.{{wildcard(2)}}"}]}]'), code: 'JK1013', field: 'spec.sources.0.subjectTransforms.0.dest', message: 'does not have' },
    { name: 'an invalid subject transform source', text: stream('subjectTransform: {source: "a b", dest: c}'), code: 'JK1013', field: 'spec.subjectTransform.source', message: 'stream transform source' },
  ];
  cases.forEach(check);

  test('transforms the server builds are accepted', () => {
    const ok = stream('subjects: [orders.>]', 'subjectTransform: {source: "orders.*.>", dest: "o.{{wildcard(1)}}.$1.>"}', 'republish: {source: "orders.*", destination: "copy.{{partition(3,1)}}"}');
    assert.deepEqual(validate(ok).errors.map((e) => e.format()), []);
  });

  test('creating a sealed stream is a warning (only an existing stream can be sealed)', () => {
    const r = validate(stream('sealed: true'));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings.map((w) => w.field), ['spec.sealed']);
  });
});

describe('consumer options the server forbids for its mode (checkConsumerCfg)', () => {
  const cases: Case[] = [
    { name: 'heartbeatInterval on a pull consumer', text: consumer('heartbeatInterval: 5s'), code: 'JK1009', field: 'spec.heartbeatInterval', message: 'consumer idle heartbeat requires a push based consumer' },
    { name: 'flowControl on a pull consumer', text: consumer('flowControl: true'), code: 'JK1009', field: 'spec.flowControl', message: 'consumer flow control requires a push based consumer' },
    { name: 'rateLimitBps on a pull consumer', text: consumer('rateLimitBps: 1000'), code: 'JK1009', field: 'spec.rateLimitBps', message: 'consumer in pull mode can not have rate limit set' },
    { name: 'maxWaiting on a push consumer', text: consumer('deliverSubject: out', 'maxWaiting: 10'), code: 'JK1009', field: 'spec.maxWaiting', message: 'consumer in push mode can not set max waiting' },
    { name: 'a wildcard deliver subject', text: consumer('deliverSubject: out.*'), code: 'JK1013', field: 'spec.deliverSubject', message: 'consumer deliver subject has wildcards' },
    { name: 'an invalid deliver subject', text: consumer('deliverSubject: out..x'), code: 'JK1013', field: 'spec.deliverSubject', message: 'invalid push consumer deliver subject' },
    { name: 'a heartbeat below 100ms on a push consumer', text: consumer('deliverSubject: out', 'heartbeatInterval: 50ms'), code: 'JK1005', field: 'spec.heartbeatInterval', message: 'consumer idle heartbeat needs to be >= 100ms' },
    { name: 'flow control without heartbeats', text: consumer('deliverSubject: out', 'flowControl: true'), code: 'JK1009', field: 'spec.flowControl', message: 'consumer with flow control also needs heartbeats' },
    { name: 'maxAckPending with ackPolicy none on a push consumer', text: consumer('deliverSubject: out', 'maxAckPending: 10'), code: 'JK1009', field: 'spec.maxAckPending', message: 'consumer requires ack policy for max ack pending' },
    { name: 'an invalid filterSubject (orders..x)', text: consumer('filterSubject: orders..x'), code: 'JK1013', field: 'spec.filterSubject', message: 'empty token' },
    { name: 'overlapping filterSubjects', text: consumer('filterSubjects: [orders.a, orders.*]'), code: 'JK1013', field: 'spec.filterSubjects.1', message: 'consumer subject filters cannot overlap' },
    { name: 'the same filter twice', text: consumer('filterSubjects: [orders.a, orders.a]'), code: 'JK1013', field: 'spec.filterSubjects.1', message: 'cannot overlap' },
    { name: 'heartbeats with a deliver group (the NATS client refuses it)', text: consumer('deliverSubject: out', 'deliverGroup: g', 'heartbeatInterval: 5s'), code: 'JK1009', field: 'spec.heartbeatInterval', message: 'mutually exclusive' },
    { name: 'flow control with a deliver group', text: consumer('deliverSubject: out', 'deliverGroup: g', 'flowControl: true', 'heartbeatInterval: 5s'), code: 'JK1009', field: 'spec.flowControl', message: 'mutually exclusive' },
    { name: 'a "/" in a priority group (the NATS client refuses it)', text: consumer('priorityPolicy: overflow', 'priorityGroups: [a/b]'), code: 'JK1014', field: 'spec.priorityGroups.0', message: 'priority group "a/b"' },
    { name: 'an invalid priority group name', text: consumer('priorityPolicy: overflow', 'priorityGroups: [this-name-is-too-long]'), code: 'JK1014', field: 'spec.priorityGroups.0', message: 'may not exceed 16 characters' },
  ];
  cases.forEach(check);

  test('pull-only fields on a push consumer are warnings', () => {
    const r = validate(consumer('deliverSubject: out', 'maxRequestBatch: 10', 'maxRequestExpires: 5s', 'maxRequestMaxBytes: 100'));
    assert.deepEqual(r.errors.map((e) => e.format()), []);
    assert.deepEqual(r.warnings.map((w) => w.field), ['spec.maxRequestBatch', 'spec.maxRequestExpires', 'spec.maxRequestMaxBytes']);
  });

  test('a valid push consumer with heartbeats and flow control is accepted', () => {
    assert.deepEqual(validate(consumer('deliverSubject: out', 'flowControl: true', 'heartbeatInterval: 2s')).errors, []);
  });
});

describe('rules between resources of one input', () => {
  const cases: Case[] = [
    {
      name: 'two streams whose subjects overlap (server 10065)',
      text: [stream('subjects: [orders.>]'), doc('Stream', 'other', ['name: OTHER', 'subjects: [orders.eu.*]'])].join('---\n'),
      code: 'JK1015', field: 'spec.subjects.0', message: 'subjects overlap with an existing stream', line: 15,
    },
    {
      name: 'a stream without subjects (its name is its subject) overlapping another',
      text: [stream('subjects: ["*"]', 'noAck: true'), doc('Stream', 'other', ['name: OTHER'])].join('---\n'),
      code: 'JK1015', field: 'spec.name', message: 'subjects overlap with an existing stream',
    },
    {
      name: 'a KeyValue beside a Stream named KV_<bucket>',
      text: [doc('Stream', 'kvs', ['name: KV_config', 'subjects: [cfg.>]']), doc('KeyValue', 'config', ['bucket: config'])].join('---\n'),
      code: 'JK1015', field: 'spec.bucket', message: 'the stream KV_config is also created by Stream/kvs',
    },
    {
      name: 'an ObjectStore beside a Stream named OBJ_<bucket>',
      text: [doc('ObjectStore', 'files', ['bucket: files']), doc('Stream', 'objs', ['name: OBJ_files', 'subjects: [f.>]'])].join('---\n'),
      code: 'JK1015', field: 'spec.name', message: 'the stream OBJ_files is also created by ObjectStore/files',
    },
    {
      name: 'a stream capturing the subjects of a KeyValue bucket',
      text: [doc('KeyValue', 'config', ['bucket: config']), stream('subjects: [$KV.config.>]')].join('---\n'),
      code: 'JK1015', field: 'spec.subjects.0', message: 'overlaps "$KV.config.>" of KeyValue/config',
    },
    {
      name: 'two unfiltered consumers of a work queue (server 10099)',
      text: [stream('subjects: [orders.>]', 'retention: workqueue'), consumer('ackPolicy: explicit'), doc('Consumer', 'second', ['streamName: ORDERS', 'durableName: second', 'ackPolicy: explicit'])].join('---\n'),
      code: 'JK1015', field: 'spec.filterSubject', message: 'multiple non-filtered consumers not allowed on workqueue stream',
    },
    {
      name: 'two work-queue consumers whose filters overlap (server 10100)',
      text: [stream('subjects: [orders.>]', 'retention: workqueue'), consumer('ackPolicy: explicit', 'filterSubject: orders.eu.>'), doc('Consumer', 'second', ['streamName: ORDERS', 'durableName: second', 'ackPolicy: explicit', 'filterSubjects: [orders.*.paid]'])].join('---\n'),
      code: 'JK1015', field: 'spec.filterSubjects', message: 'filtered consumer not unique on workqueue stream',
    },
    {
      name: 'a work-queue consumer without explicit acks (the CRD default is none)',
      text: both(['subjects: [orders.>]', 'retention: workqueue'], []), code: 'JK1009', field: 'spec.ackPolicy', message: 'workqueue stream requires explicit ack',
    },
    {
      name: 'a work-queue consumer not delivering all',
      text: both(['subjects: [orders.>]', 'retention: workqueue'], ['ackPolicy: explicit', 'deliverPolicy: new']), code: 'JK1009', field: 'spec.deliverPolicy', message: 'consumer must be deliver all on workqueue stream',
    },
    {
      name: 'a consumer filter outside its stream (misdiagnosed before)',
      text: both(['subjects: [orders.>]'], ['filterSubject: shipments.x']), code: 'JK1013', field: 'spec.filterSubject', message: 'is not a valid subset of the interest subjects',
    },
    {
      name: 'consumer replicas above its stream',
      text: both(['subjects: [orders.>]'], ['replicas: 3']), code: 'JK1009', field: 'spec.replicas', message: 'consumer config replica count exceeds parent stream',
    },
    {
      name: 'a push consumer delivering into its own stream',
      text: both(['subjects: [orders.>]'], ['deliverSubject: orders.push']), code: 'JK1009', field: 'spec.deliverSubject', message: 'consumer deliver subject forms a cycle',
    },
    {
      name: 'a consumer inactiveThreshold above the stream consumerLimits',
      text: both(['subjects: [orders.>]', 'consumerLimits: {inactiveThreshold: 5m}'], ['inactiveThreshold: 1h']), code: 'JK1009', field: 'spec.inactiveThreshold', message: 'exceeds system limit of 5m',
    },
  ];
  cases.forEach(check);

  test('two streams sourcing each other are a cycle, reported once at the later one', () => {
    const text = [doc('Stream', 'a', ['name: A', 'subjects: [a.>]', 'sources: [{name: B}]']), doc('Stream', 'b', ['name: B', 'subjects: [b.>]', 'sources: [{name: A}]'])].join('---\n');
    assert.deepEqual(validate(text).errors.map((e) => [e.code, e.resource, e.field]), [['JK1009', 'Stream/b', 'spec.sources']]);
  });

  test('two streams sourcing each other through filters are a cycle too (2.9 refuses every ring)', () => {
    const text = [doc('Stream', 'a', ['name: A', 'subjects: [a.>]', 'sources: [{name: B, filterSubject: b.x}]']), doc('Stream', 'b', ['name: B', 'subjects: [b.>]', 'sources: [{name: A, filterSubject: a.x}]'])].join('---\n');
    assert.deepEqual(validate(text).errors.map((e) => [e.resource, e.field]), [['Stream/b', 'spec.sources']]);
  });

  test('a mirror taking smaller messages than its declared origin (10030)', () => {
    const text = [stream('subjects: [orders.>]', 'maxMsgSize: 1024'), doc('Stream', 'm', ['name: M', 'mirror: {name: ORDERS}', 'maxMsgSize: 512'])].join('---\n');
    const r = validate(text);
    assert.deepEqual(r.errors.map((e) => [e.resource, e.field]), [['Stream/m', 'spec.maxMsgSize']]);
    assert.match(r.errors[0].message, /stream mirror must have max message size >= source/);
  });

  test('a source filter outside its declared origin\'s subjects (refused by 2.9)', () => {
    const text = [stream('subjects: [orders.>]'), doc('Stream', 'agg', ['name: AGG', 'sources: [{name: ORDERS, filterSubject: shipments.x}]'])].join('---\n');
    const r = validate(text);
    assert.deepEqual(r.errors.map((e) => [e.resource, e.field]), [['Stream/agg', 'spec.sources.0.filterSubject']]);
    assert.match(r.errors[0].message, /does not overlap with any origin stream subject/);
  });

  test('a stream sourcing itself is a cycle', () => {
    assert.deepEqual(validate(stream('subjects: [orders.>]', 'sources: [{name: ORDERS}]')).errors.map((e) => [e.field, e.message]), [['spec.sources.0.name', 'detected cycle: a stream cannot source itself']]);
  });

  test('disjoint work-queue consumers and a filter inside the stream are accepted', () => {
    const text = [
      stream('subjects: [orders.>]', 'retention: workqueue'),
      consumer('ackPolicy: explicit', 'filterSubject: orders.eu.>'),
      doc('Consumer', 'second', ['streamName: ORDERS', 'durableName: second', 'ackPolicy: explicit', 'filterSubjects: [orders.us.>]']),
    ].join('---\n');
    assert.deepEqual(validate(text).errors.map((e) => e.format()), []);
  });

  test('a filter on a stream that sources a declared stream may use the sourced subjects', () => {
    const text = [
      doc('Stream', 'events', ['name: EVENTS', 'subjects: [ev.>]']),
      doc('Stream', 'agg', ['name: AGG', 'sources: [{name: EVENTS}]']),
      doc('Consumer', 'agg-a', ['streamName: AGG', 'durableName: a', 'filterSubject: ev.a']),
      doc('Consumer', 'agg-b', ['streamName: AGG', 'durableName: b', 'filterSubject: other.b']),
    ].join('---\n');
    assert.deepEqual(validate(text).errors.map((e) => [e.resource, e.field]), [['Consumer/agg-b', 'spec.filterSubject']]);
  });

  test('a filter on a stream sourcing an undeclared stream is not checked', () => {
    const text = [doc('Stream', 'agg', ['name: AGG', 'sources: [{name: ELSEWHERE}]']), doc('Consumer', 'agg-a', ['streamName: AGG', 'durableName: a', 'filterSubject: ev.a'])].join('---\n');
    assert.deepEqual(validate(text).errors, []);
  });

  test('a wider filter that still matches the stream (orders.> on orders.eu.*) is accepted', () => {
    assert.deepEqual(validate(both(['subjects: [orders.eu.*]'], ['filterSubject: orders.>'])).errors, []);
  });

  test('overlapping streams on different servers do not meet', () => {
    const text = [stream('subjects: [orders.>]', 'servers: [nats://east:4222]'), doc('Stream', 'other', ['name: OTHER', 'subjects: [orders.>]', 'servers: [nats://west:4222]'])].join('---\n');
    assert.deepEqual(validate(text).errors, []);
  });
});

describe('identity is the connection target plus kind and name', () => {
  const account = (name: string, server: string) => doc('Account', name, [`servers: [${server}]`]);
  const foo = (md: string, acc: string) => doc('Stream', md, ['name: foo', `account: ${acc}`]);

  test('NACK README: stream foo in accounts a and b on different servers is two resources', () => {
    const text = [account('a', 'nats://nats-a:4222'), account('b', 'nats://nats-b:4222'), foo('foo-a', 'a'), foo('foo-b', 'b')].join('---\n');
    const r = validate(text);
    assert.deepEqual(r.errors.map((e) => e.format()), []);
    assert.deepEqual(r.resources.filter((x) => x.kind === 'Stream').map((x) => [x.name, x.key]), [['foo-a', 'Stream/foo'], ['foo-b', 'Stream/foo']]);
  });

  test('the same stream twice in one account is still declared twice (JK1008)', () => {
    const text = [account('a', 'nats://nats-a:4222'), foo('foo-1', 'a'), foo('foo-2', 'a')].join('---\n');
    const r = validate(text);
    assert.deepEqual(r.errors.map((e) => [e.code, e.resource]), [['JK1008', 'Stream/foo-2']]);
  });

  test('the same stream name on two jsDomains is two resources', () => {
    const text = [doc('Stream', 's1', ['name: S', 'jsDomain: hub']), doc('Stream', 's2', ['name: S', 'jsDomain: leaf'])].join('---\n');
    assert.deepEqual(validate(text).errors, []);
  });
});

describe('an Account kept in another file', () => {
  const text = doc('Stream', 'orders', ['name: ORDERS', 'account: a']);

  test('is an error by default (plan and apply need it): JK1011', () => {
    const r = validateDocuments(parseManifests(text, 'stream.yaml'));
    assert.deepEqual(r.errors.map((e) => e.code), ['JK1011']);
  });

  test('is a warning with references: warning (validating one file of a set)', () => {
    const r = validateDocuments(parseManifests(text, 'stream.yaml'), { references: 'warning' });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.resources.map((x) => x.key), ['Stream/ORDERS']);
    assert.equal(r.warnings.length, 1);
    const [w] = r.warnings;
    assert.equal(w.code, 'JK1011');
    assert.equal(w.message, 'account a is not among the given files; plan and apply will need it');
    assert.deepEqual(w.at, { file: 'stream.yaml', line: 7, col: 12 });
  });
});

describe('apiVersion and kind near misses are errors, never a silent skip', () => {
  test('a typo in the group (jetsream.nats.io) says did you mean', () => {
    const r = validate(stream().replace('jetstream.nats.io', 'jetsream.nats.io'));
    assert.deepEqual(r.skipped, []);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].code, 'JK1003');
    assert.equal(r.errors[0].fix, 'did you mean apiVersion: jetstream.nats.io/v1beta2?');
    assert.deepEqual([r.errors[0].at?.line, r.errors[0].at?.col], [1, 13]);
  });

  test('one of our kinds under another group is an error', () => {
    const r = validate(stream().replace('jetstream.nats.io/v1beta2', 'example.com/v1'));
    assert.deepEqual(r.errors.map((e) => e.code), ['JK1003']);
    assert.match(r.errors[0].message, /Stream is one of its kinds/);
  });

  test('someone else\'s kind under someone else\'s group is skipped', () => {
    const r = validate('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n');
    assert.deepEqual(r.errors, []);
    assert.equal(r.skipped.length, 1);
  });
});

describe('subject functions match nats-server sublist.go', () => {
  const valid: [string, boolean][] = [
    ['foo', true], ['foo.bar', true], ['foo.*', true], ['foo.>', true], ['>', true], ['*', true], ['foo.*.bar', true],
    ['foo..bar', false], ['.foo', false], ['foo.', false], ['', false], ['foo.>.bar', false], ['foo bar', false], ['foo.\t', false],
    ['a*b.c', true],
  ];
  for (const [s, ok] of valid) test(`isValidSubject(${JSON.stringify(s)}) is ${ok}`, () => assert.equal(isValidSubject(s), ok));

  const collide: [string, string, boolean][] = [
    ['foo.*', 'foo.bar', true], ['foo.>', 'foo.bar.baz', true], ['foo.*', 'bar.*', false], ['foo.*', 'foo.*.x', false],
    ['foo.>', 'foo', false], ['*.bar', 'foo.*', true], ['>', 'anything.at.all', true], ['foo.bar', 'foo.baz', false],
  ];
  for (const [a, b, ok] of collide) test(`subjectsCollide(${a}, ${b}) is ${ok}`, () => assert.equal(subjectsCollide(a, b), ok));

  const subset: [string, string, boolean][] = [
    ['foo.bar', 'foo.*', true], ['foo.*', 'foo.>', true], ['foo.>', 'foo.*', false], ['foo.*', 'foo.bar', false], ['foo', 'foo', true],
  ];
  for (const [a, b, ok] of subset) test(`subjectIsSubsetMatch(${a}, ${b}) is ${ok}`, () => assert.equal(subjectIsSubsetMatch(a, b), ok));

  test('subjectProblem says why', () => {
    assert.match(subjectProblem('a..b') ?? '', /empty token/);
    assert.equal(subjectProblem('a.b'), undefined);
    assert.match(assetNameProblem('a/b') ?? '', /"\/"/);
    assert.equal(assetNameProblem('ORDERS-1_x'), undefined);
  });
});

test('every rule has an id, a summary and the server place that enforces it', () => {
  const ids = new Set<string>();
  for (const rules of Object.values(RULES)) {
    for (const r of rules) {
      assert.ok(r.id && r.summary && r.server, JSON.stringify(r));
      assert.ok(!ids.has(r.id), `duplicate rule id ${r.id}`);
      ids.add(r.id);
    }
  }
  assert.ok(ids.size >= 20);
});

describe('liveSubjectConflicts (for plan, before any write)', () => {
  test('a declared stream overlapping a live stream of another name is JK1015 at its subject', async () => {
    const { liveSubjectConflicts } = await import('../../src/manifests/cross.js');
    const r = validate([stream('subjects: [orders.>]'), doc('KeyValue', 'cfg', ['bucket: cfg'])].join('---\n'));
    const errors = liveSubjectConflicts(r.resources, [
      { name: 'ORDERS', subjects: ['orders.>'] }, // the same stream: an update, not a clash
      { name: 'LEGACY', subjects: ['orders.eu.*'] },
      { name: 'KV_cfg', subjects: ['$KV.cfg.>'] },
    ]);
    assert.deepEqual(errors.map((e) => [e.code, e.resource, e.field, e.at?.line]), [['JK1015', 'Stream/orders', 'spec.subjects.0', 7]]);
    assert.match(errors[0].message, /overlaps "orders.eu.\*" of the live stream LEGACY/);
  });
});

describe('durable sourcing and ackPolicy flow_control (nats-server 2.14)', () => {
  const fc = ['deliverSubject: deliver.fc', 'ackPolicy: flow_control'];
  const through = 'consumer: { name: fc, deliverSubject: deliver.fc }';
  const cases: Case[] = [
    { name: 'flow_control on a pull consumer', text: consumer('ackPolicy: flow_control'), code: 'JK1009', field: 'spec.ackPolicy', message: 'requires a push based consumer' },
    { name: 'flow_control with ackWait', text: consumer(...fc, 'ackWait: 30s'), code: 'JK1009', field: 'spec.ackWait', message: 'requires unset ack wait' },
    { name: 'flow_control with maxDeliver', text: consumer(...fc, 'maxDeliver: 5'), code: 'JK1009', field: 'spec.maxDeliver', message: 'requires unset max deliver' },
    { name: 'flow_control with maxAckPending -1', text: consumer(...fc, 'maxAckPending: -1'), code: 'JK1009', field: 'spec.maxAckPending', message: 'requires max ack pending' },
    { name: 'flow_control with a 5s heartbeat', text: consumer(...fc, 'heartbeatInterval: 5s'), code: 'JK1009', field: 'spec.heartbeatInterval', message: 'heartbeat needs to be 1s' },
    { name: 'a source through a consumer with a filter', text: stream(`sources: [{ name: ORIGIN, filterSubject: a.b, ${through} }]`), code: 'JK1009', field: 'spec.sources.0.filterSubject', message: 'belongs on the consumer' },
    { name: 'a mirror through a consumer with a start sequence', text: stream(`mirror: { name: ORIGIN, optStartSeq: 5, ${through} }`), code: 'JK1009', field: 'spec.mirror.optStartSeq', message: 'belongs on the consumer' },
    { name: 'a source consumer deliver subject with a wildcard', text: stream('sources: [{ name: ORIGIN, consumer: { name: fc, deliverSubject: "deliver.*" } }]'), code: 'JK1013', field: 'spec.sources.0.consumer.deliverSubject', message: 'literal subject' },
    { name: 'allowBatched on a mirror', text: stream('mirror: { name: ORIGIN }', 'allowBatched: true'), code: 'JK1009', field: 'spec.allowBatched', message: 'can not also use batch publishing' },
  ];
  cases.forEach(check);

  test('accepts flow_control on a push consumer with a 1s heartbeat and sources through consumers', () => {
    const r = validate([stream(`sources: [{ name: ORIGIN, ${through} }]`, 'allowBatched: true'), consumer(...fc, 'heartbeatInterval: 1s', 'maxDeliver: -1')].join('---\n'));
    assert.deepEqual(r.errors.map((e) => e.format()), []);
  });
});
