import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerContext, unregisterContext } from '../../src/nats/context.js';

function configDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'jetkeeper-natsctx-'));
  process.on('exit', () => rmSync(d, { recursive: true, force: true }));
  return join(d, 'nats');
}

test('registerContext writes a context the nats CLI reads, selected only when asked', async () => {
  const dir = configDir();
  const r = await registerContext(dir, 'jetkeeper', 'nats://127.0.0.1:4222');
  assert.deepEqual(r, { name: 'jetkeeper', file: join(dir, 'context', 'jetkeeper.json'), selected: false });
  assert.equal((JSON.parse(readFileSync(r.file, 'utf8')) as { url: string }).url, 'nats://127.0.0.1:4222');
  assert.equal(existsSync(join(dir, 'context.txt')), false);
  const again = await registerContext(dir, 'jetkeeper', 'nats://127.0.0.1:5222', { select: true });
  assert.equal(again?.selected, true);
  assert.equal(readFileSync(join(dir, 'context.txt'), 'utf8'), 'jetkeeper');
});

test('a context of the same name that jetkeeper did not write is never replaced or removed', async () => {
  const dir = configDir();
  mkdirSync(join(dir, 'context'), { recursive: true });
  const theirs = JSON.stringify({ description: 'production', url: 'nats://prod:4222' });
  writeFileSync(join(dir, 'context', 'jetkeeper.json'), theirs);
  assert.equal(await registerContext(dir, 'jetkeeper', 'nats://127.0.0.1:4222'), undefined);
  assert.equal(await unregisterContext(dir, 'jetkeeper', 'nats://prod:4222'), false);
  assert.equal(readFileSync(join(dir, 'context', 'jetkeeper.json'), 'utf8'), theirs);
});

test('unregisterContext removes the context only for the cluster it points at, and unselects it', async () => {
  const dir = configDir();
  await registerContext(dir, 'jetkeeper', 'nats://127.0.0.1:4222', { select: true });
  assert.equal(await unregisterContext(dir, 'jetkeeper', 'nats://127.0.0.1:9999'), false);
  assert.ok(existsSync(join(dir, 'context', 'jetkeeper.json')));
  assert.equal(await unregisterContext(dir, 'jetkeeper', 'nats://127.0.0.1:4222'), true);
  assert.equal(existsSync(join(dir, 'context', 'jetkeeper.json')), false);
  assert.equal(existsSync(join(dir, 'context.txt')), false);
});
