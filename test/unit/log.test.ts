import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, logApplyEvents, redactUrls, textLine } from '../../src/log.js';
import { loggerFor } from '../../src/cli/log.js';

function capture(format: 'json' | 'text', level: 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const log = createLogger({ level, format, destination: { write: (l: string) => lines.push(l) } });
  return { log, lines };
}

test('a logged password, token, seed, nkey, creds and authorization come out redacted', () => {
  const { log, lines } = capture('json');
  log.info({
    password: 's3cret-pw', token: 's3cret-tok', settings: { password: 's3cret-nested', creds: '-----BEGIN NATS USER JWT-----abc', seed: 'SUAM3CRETSEED' },
    nkey: 'SUAFAKESEED', headers: { authorization: 'Bearer s3cret-bearer' }, deep: { a: { token: 's3cret-deep' } },
  }, 'connecting');
  assert.equal(lines.length, 1);
  const out = lines[0]!;
  for (const secret of ['s3cret-pw', 's3cret-tok', 's3cret-nested', 'BEGIN NATS', 'SUAM3CRETSEED', 'SUAFAKESEED', 's3cret-bearer', 's3cret-deep']) {
    assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  }
  const o = JSON.parse(out) as { password: string; settings: { password: string }; msg: string };
  assert.equal(o.password, '***');
  assert.equal(o.settings.password, '***');
  assert.equal(o.msg, 'connecting');
});

test('a URL with user info is logged without its password or token, in fields and in the message', () => {
  const { log, lines } = capture('json');
  log.info({ servers: ['nats://alice:pa55word@127.0.0.1:4222', 'nats://t0ken@10.0.0.1:4222'], url: 'tls://bob:hunter2@host:4443' }, 'to nats://carol:letmein@h:4222,nats://dave:pw2@h2:4222');
  const out = lines[0]!;
  for (const secret of ['pa55word', 't0ken', 'hunter2', 'letmein', 'pw2']) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  const o = JSON.parse(out) as { servers: string[]; url: string; msg: string };
  assert.deepEqual(o.servers, ['nats://alice:***@127.0.0.1:4222', 'nats://***@10.0.0.1:4222']);
  assert.equal(o.url, 'tls://bob:***@host:4443');
  assert.equal(o.msg, 'to nats://carol:***@h:4222,nats://dave:***@h2:4222');
  assert.equal(redactUrls('no url here'), 'no url here');
});

test('text format is one line per event, redacted as json is', () => {
  const { log, lines } = capture('text');
  log.warn({ password: 'zzz-secret', stream: 'ORDERS' }, 'slow');
  assert.equal(lines[0], 'WARN slow password=*** stream=ORDERS\n');
  assert.equal(textLine('not json'), 'not json');
});

test('the level filters: warn by default, debug shows apply progress', () => {
  const warn = loggerFor({}, { write: () => assert.fail('nothing below warn is written') });
  warn.info('hidden');
  const { log, lines } = capture('json', 'debug');
  const onProgress = logApplyEvents(log);
  onProgress({ key: 'Stream/ORDERS', action: 'create', status: 'start' });
  onProgress({ key: 'Stream/ORDERS', action: 'create', status: 'retry', message: 'attempt 1: timeout' });
  onProgress({ key: 'Stream/ORDERS', action: 'create', status: 'done' });
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: number; status: string }).status), ['start', 'retry', 'done']);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: number }).level), [20, 30, 20]);
});
