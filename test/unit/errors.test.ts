/** The one classifier of NATS client errors: keyed on the JetStream err_code, then on the error class. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamApiError } from '@nats-io/jetstream';
import { ConnectionError, NoRespondersError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { JkError } from '../../src/errors.js';
import { ClassifiedError, JsApiCode, classify, decodeNatsError, isTransientApiCode } from '../../src/nats/errors.js';

const apiError = (err_code: number, description = 'whatever the server says', code = 500) => new JetStreamApiError({ code, err_code, description });

test('classify keys a JetStream refusal on its err_code, not on its text', () => {
  assert.deepEqual(classify(apiError(10074, 'replicas > 1 not supported in non-clustered mode')), { code: 'api_10074', apiCode: 10074, transient: false });
  // the same text with a transient code is transient: the text says nothing
  assert.deepEqual(classify(apiError(10008, 'replicas > 1 not supported in non-clustered mode', 503)), { code: 'api_10008', apiCode: 10008, transient: true });
  assert.equal(classify(apiError(10058, 'timeout')).transient, false);
});

test('the transient API codes are those of quorum loss, leader election and load', () => {
  for (const c of [JsApiCode.ClusterNotAvailable, JsApiCode.ClusterNotLeader, JsApiCode.DuplicateMessageInProcess, JsApiCode.TooManyRequests]) assert.ok(isTransientApiCode(c), String(c));
  for (const c of [JsApiCode.StreamReplicasNotSupported, JsApiCode.StreamNameExist, JsApiCode.StreamSubjectOverlap, JsApiCode.StreamInvalidConfig, JsApiCode.ClusterNoPeers]) {
    assert.ok(!isTransientApiCode(c), String(c));
  }
});

test('classify finds an err_code among the causes (JetStream not enabled for the account)', () => {
  const wrapped = new Error('jetstream is not enabled', { cause: apiError(10039, 'JetStream not enabled for account', 503) });
  wrapped.name = 'JetStreamNotEnabled';
  assert.deepEqual(classify(wrapped), { code: 'api_10039', apiCode: 10039, transient: false });
});

test('classify knows timeouts, no responders and connection errors by their class', () => {
  assert.deepEqual(classify(new TimeoutError()), { code: 'timeout', transient: true });
  assert.deepEqual(classify(new RequestError('x', { cause: new TimeoutError() })), { code: 'timeout', transient: true });
  assert.deepEqual(classify(new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') })), { code: 'no_responders', transient: true });
  const notEnabled = new Error('jetstream is not enabled', { cause: new RequestError('x', { cause: new NoRespondersError('orders.new') }) });
  notEnabled.name = 'JetStreamNotEnabled';
  assert.deepEqual(classify(notEnabled), { code: 'no_responders', transient: true });
  assert.deepEqual(classify(new ConnectionError('disconnected')), { code: 'connection', transient: true });
  assert.deepEqual(classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), { code: 'connection', transient: true });
  // a message that merely mentions a timeout is not a timeout
  assert.deepEqual(classify(new Error('the timeout field is wrong')), { code: 'other', transient: false });
});

test('classify keeps what was classified where it happened', () => {
  assert.deepEqual(classify(new ClassifiedError({ code: 'status_408', transient: true }, 'request timeout')), { code: 'status_408', transient: true, apiCode: undefined });
  assert.deepEqual(classify(new JkError('JK2003', { message: 'refused', apiCode: 10074 })), { code: 'api_10074', apiCode: 10074, transient: false });
  assert.deepEqual(classify(new JkError('JK2005', { message: 'timed out', transient: true })), { code: 'timeout', transient: true });
});

test('decodeNatsError: 10074 is a permanent refusal with the fix', () => {
  const e = decodeNatsError(apiError(10074, 'replicas > 1 not supported in non-clustered mode'), 'Stream/ORDERS');
  assert.equal(e.code, 'JK2003');
  assert.equal(e.apiCode, 10074);
  assert.equal(e.transient, false);
  assert.equal(e.resource, 'Stream/ORDERS');
  assert.match(e.message, /err_code 10074/);
  assert.match(e.fix ?? '', /replicas: 1/);
});

test('decodeNatsError: timeouts and no responders are transient, secrets are redacted', () => {
  assert.equal(decodeNatsError(new TimeoutError(), undefined).code, 'JK2005');
  assert.equal(decodeNatsError(new TimeoutError(), undefined).transient, true);
  const nr = decodeNatsError(new RequestError('no responders', { cause: new NoRespondersError('$JS.API.INFO') }), undefined);
  assert.equal(nr.code, 'JK2002');
  assert.equal(nr.transient, true);
  const leaked = decodeNatsError(new Error('failed for nats://u:s3cret@h:4222'), undefined, { servers: ['nats://u:s3cret@h:4222'], password: 's3cret' });
  assert.doesNotMatch(leaked.message, /s3cret/);
});
