/** Reading a /jsz answer: the stream detail of one stream, optionally of one account. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jszStreamDetail, type Jsz } from '../../src/nats/monitor.js';

const jsz: Jsz = {
  streams: 3,
  account_details: [
    { name: '$G', stream_detail: [{ name: 'ORDERS', state: { messages: 5, last_seq: 5 }, cluster: { leader: 'n1' } }] },
    { name: 'B', stream_detail: [{ name: 'ORDERS', state: { messages: 7, last_seq: 9 } }, { name: 'AUDIT' }] },
  ],
};

test('jszStreamDetail finds a stream in the first account that holds it, or in the named one', () => {
  assert.equal(jszStreamDetail(jsz, 'ORDERS')?.state?.messages, 5);
  assert.equal(jszStreamDetail(jsz, 'ORDERS', 'B')?.state?.last_seq, 9);
  assert.equal(jszStreamDetail(jsz, 'AUDIT')?.name, 'AUDIT');
  assert.equal(jszStreamDetail(jsz, 'AUDIT', '$G'), undefined);
  assert.equal(jszStreamDetail(jsz, 'NOPE'), undefined);
  assert.equal(jszStreamDetail({}, 'ORDERS'), undefined);
});
