/**
 * The door to NATS against a real server: what err_code the server answers and whether jetkeeper
 * retries it, and the monitor reader. A single server started without a cluster.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JkError } from '../../src/errors.js';
import { serverVersion } from '../../src/local/binary.js';
import type { LocalCluster, ServerState } from '../../src/local/cluster.js';
import { JetStreamAdmin } from '../../src/nats/admin.js';
import { JsApiCode, classify } from '../../src/nats/errors.js';
import { jszStreamDetail, monitorGet, readHealthz, readJsz, readVarz } from '../../src/nats/monitor.js';
import { withRetry } from '../../src/nats/retry.js';
import { LabClient } from '../../src/nats/lab-client.js';
import { JsPublisher, openLoadConnection, streamForSubject } from '../../src/load/index.js';
import { startTestCluster, testServerBin } from '../helpers/servers.js';

const bin = testServerBin();
const version = serverVersion(bin);
const minor = Number(version.split('.')[1] ?? 0);

function refusedWith(apiCode: number) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof JkError, `expected JkError, got ${String(e)}`);
    assert.equal(e.apiCode, apiCode, e.message);
    return true;
  };
}

describe(`one door to NATS on a single non-clustered nats-server ${version}`, () => {
  let one: LocalCluster;
  let server: ServerState;
  let admin: JetStreamAdmin;

  before(async () => {
    one = await startTestCluster(1);
    server = one.servers[0]!;
    admin = await JetStreamAdmin.connect({ servers: [server.clientUrl] });
  });
  after(async () => {
    await admin?.close();
    await one?.stop({ purge: true });
  });

  test('an R3 stream is refused with 10074 (replicas > 1 not supported in non-clustered mode), permanent: sent once, not retried', async () => {
    const writes = admin.writes;
    const retried: number[] = [];
    const config = { name: 'R3', subjects: ['r3.>'], num_replicas: 3, storage: 'file', retention: 'limits' };
    const err = await withRetry(() => admin.createStream(config), 5, (_e, n) => retried.push(n)).then(
      () => assert.fail('the server accepted an R3 stream without a cluster'),
      (e: unknown) => e,
    );
    refusedWith(JsApiCode.StreamReplicasNotSupported)(err);
    const jk = err as JkError;
    assert.equal(jk.code, 'JK2003');
    assert.equal(jk.transient, false);
    assert.deepEqual(classify(jk), { code: 'api_10074', apiCode: 10074, transient: false });
    assert.match(jk.fix ?? '', /replicas: 1/);
    assert.deepEqual(retried, []);
    assert.equal(admin.writes - writes, 1, 'one request sent');
    assert.equal(await admin.streamInfo('R3'), undefined, 'nothing was created');
  });

  test('an R3 consumer on an R1 stream is refused with 10074 as well', async () => {
    await admin.createStream({ name: 'R1', subjects: ['r1.>'], num_replicas: 1, storage: 'file', retention: 'limits' });
    await assert.rejects(admin.createConsumer('R1', { durable_name: 'c3', ack_policy: 'explicit', num_replicas: 3 }), refusedWith(JsApiCode.StreamReplicasNotSupported));
  });

  // measured on the two pinned servers: 2.15.2 refuses the scale-up, 2.9.10 takes it and reports 3 replicas
  test('scaling an R1 stream to R3: 2.15 refuses it with 10074; 2.9 took it and reported 3 replicas', async () => {
    const update = admin.updateStream('R1', { name: 'R1', subjects: ['r1.>'], num_replicas: 3, storage: 'file', retention: 'limits' });
    if (minor >= 10) await assert.rejects(update, refusedWith(JsApiCode.StreamReplicasNotSupported));
    else assert.equal((await update).num_replicas, 3);
  });

  test('an unknown stream is 10059 and a stream name taken with another config is 10058, both permanent', async () => {
    await assert.rejects(admin.deleteStream('NOPE'), (e: unknown) => refusedWith(JsApiCode.StreamNotFound)(e) && !(e as JkError).transient);
    await assert.rejects(
      admin.createStream({ name: 'R1', subjects: ['other.>'], num_replicas: 1, storage: 'memory', retention: 'limits' }),
      (e: unknown) => refusedWith(JsApiCode.StreamNameExist)(e) && !(e as JkError).transient,
    );
  });

  test('the monitor reader: /healthz, /varz, /jsz typed, with the stream detail', async () => {
    const h = await readHealthz(server.monitorUrl);
    assert.equal(h.status, 200);
    assert.equal(h.body?.status, 'ok');
    const v = await readVarz(server.monitorUrl);
    assert.equal(v.server_name, server.name);
    assert.equal(v.version, version);
    const j = await readJsz(server.monitorUrl, { streams: true });
    assert.notEqual(j.config, undefined);
    assert.ok((j.streams ?? 0) >= 1);
    assert.equal(jszStreamDetail(j, 'R1')?.name, 'R1');
    assert.equal(jszStreamDetail(j, 'NOPE'), undefined);
    assert.equal((await monitorGet(server.monitorUrl, '/no-such-endpoint')).status, 404);
  });

  test('the monitor reader gives up after its timeout and on an aborted signal', async () => {
    await assert.rejects(readVarz('http://127.0.0.1:9', { timeoutMs: 500 }));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(readJsz(server.monitorUrl, { signal: ac.signal }));
  });

  test('the one client connection honours the JetStream domain (a domain nobody serves gets no responders)', async () => {
    const here = await LabClient.connect({ servers: [server.clientUrl] });
    try {
      assert.equal((await here.streamInfo('R1')).name, 'R1');
    } finally {
      await here.close();
    }
    await assert.rejects(LabClient.connect({ servers: [server.clientUrl], jsDomain: 'elsewhere', timeoutMs: 1_000 }), (e: unknown) => {
      assert.ok(e instanceof JkError, String(e));
      assert.equal(e.code, 'JK2002', e.message);
      assert.equal(e.transient, true);
      return true;
    });
    const load = await openLoadConnection({ servers: [server.clientUrl], jsDomain: 'elsewhere', timeoutMs: 1_000 }, 'jetkeeper-test-load');
    try {
      assert.equal(await streamForSubject(load, 'r1.x'), undefined);
    } finally {
      await load.close();
    }
  });

  test('acked publishes: stored on a stream subject; on a subject no stream captures, 503 no responders, retried, then failed', async () => {
    const conn = await openLoadConnection({ servers: [server.clientUrl] }, 'jetkeeper-test-pub');
    try {
      const ok = new JsPublisher(conn, { subject: 'r1.ok', rate: 0, durationMs: 5_000, maxMessages: 20, idPrefix: 'ok-' });
      const good = await ok.run();
      assert.deepEqual({ acked: good.acked, failed: good.failed, errors: good.errors }, { acked: 20, failed: 0, errors: {} });
      const lost = new JsPublisher(conn, { subject: 'nobody.stores.this', rate: 0, durationMs: 5_000, maxMessages: 3, idPrefix: 'lost-', retryBudgetMs: 300 });
      const bad = await lost.run();
      assert.equal(bad.acked, 0);
      assert.equal(bad.failed, 3);
      assert.ok(bad.retried > 0, 'no responders is transient: retried within the budget');
      assert.deepEqual(Object.keys(bad.errors), ['no_responders']);
    } finally {
      await conn.close();
    }
  });
});
