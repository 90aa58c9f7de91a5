/** The backup directory format, read and written without a server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { archiveNameFor, checkFraming, describeBackups, metaText, readBackupDir, scratchConfig } from '../../src/backup/index.js';
import { JkError } from '../../src/errors.js';
import { makeTempDir } from '../helpers/servers.js';

const reader = (buf: Uint8Array) => (off: number, n: number) => buf.subarray(off, off + n);
const frame = (type: number, body: number[]) => [type, body.length & 0xff, (body.length >> 8) & 0xff, body.length >> 16, ...body];
const ident = [0xff, 6, 0, 0, ...new TextEncoder().encode('S2sTwO')];

test('the archive is named by the server version, as the nats CLI names it', () => {
  for (const [v, want] of [['2.15.2', 'stream.arc.s2'], ['2.15.0-beta.1', 'stream.arc.s2'], ['3.0.0', 'stream.arc.s2'], ['2.14.5', 'stream.tar.s2'], ['2.9.10', 'stream.tar.s2'], ['0.0.0', 'stream.tar.s2']]) {
    assert.equal(archiveNameFor(v!), want, v);
  }
});

test('backup.json is {config, state} with two-space indent and Go escaping, no trailing newline', () => {
  const t = metaText({ name: 'ORDERS', subjects: ['orders.>'] }, { messages: 1 });
  assert.equal(t, '{\n  "config": {\n    "name": "ORDERS",\n    "subjects": [\n      "orders.\\u003e"\n    ]\n  },\n  "state": {\n    "messages": 1\n  }\n}');
  assert.deepEqual(JSON.parse(t), { config: { name: 'ORDERS', subjects: ['orders.>'] }, state: { messages: 1 } });
});

test('the S2 framing check finds truncation and foreign data', () => {
  const good = new Uint8Array([...ident, ...frame(0x01, [1, 2, 3, 4, 5, 6]), ...frame(0xfe, [0, 0])]);
  assert.equal(checkFraming(good.length, reader(good)), undefined);
  const cut = good.subarray(0, good.length - 3);
  assert.match(checkFraming(cut.length, reader(cut))!, /truncated/);
  const halfHeader = good.subarray(0, ident.length + 2);
  assert.match(checkFraming(halfHeader.length, reader(halfHeader))!, /truncated/);
  const tar = new TextEncoder().encode('ustar000000000000000');
  assert.match(checkFraming(tar.length, reader(tar))!, /stream identifier/);
  const reserved = new Uint8Array([...ident, ...frame(0x05, [1, 2, 3, 4, 5])]);
  assert.match(checkFraming(reserved.length, reader(reserved))!, /unknown chunk type 0x5/);
});

test('a directory without backup.json is not a backup; an empty backup.json is an unfinished one', () => {
  const dir = makeTempDir('jetkeeper-backup-unit-');
  assert.throws(() => readBackupDir(dir), (e: unknown) => e instanceof JkError && e.code === 'JK7011');
  writeFileSync(join(dir, 'backup.json'), '');
  writeFileSync(join(dir, 'stream.arc.s2'), new Uint8Array(ident));
  assert.throws(() => readBackupDir(dir), (e: unknown) => e instanceof JkError && e.code === 'JK7005' && /did not finish/.test(e.message));
  writeFileSync(join(dir, 'stream.tar.s2'), new Uint8Array(ident));
  writeFileSync(join(dir, 'backup.json'), metaText({ name: 'X' }, { messages: 0 }));
  assert.throws(() => readBackupDir(dir), (e: unknown) => e instanceof JkError && e.code === 'JK7005' && /both/.test(e.message));
});

test('a backup another tool wrote shows as never verified, with no checksum', () => {
  const root = makeTempDir('jetkeeper-backup-unit-');
  const d = join(root, 'ORDERS');
  mkdirSync(d);
  writeFileSync(join(d, 'backup.json'), metaText({ name: 'ORDERS' }, { messages: 3, first_seq: 1, last_seq: 3, consumer_count: 1 }));
  writeFileSync(join(d, 'stream.arc.s2'), new Uint8Array(ident));
  const [b] = describeBackups(root);
  assert.equal(b!.stream, 'ORDERS');
  assert.equal(b!.verified, 'never');
  assert.equal(b!.madeBy, 'other');
  assert.equal(b!.archiveSha256, undefined);
  assert.equal(b!.messages, 3);
  assert.throws(() => describeBackups(join(root, 'missing')), (e: unknown) => e instanceof JkError && e.code === 'JK7011');
});

test('a scratch copy takes no subjects of the original, no sources, one replica, no expiry', () => {
  const c = scratchConfig({ name: 'JKVERIFY_1_ORDERS', subjects: ['orders.>'], mirror: { name: 'X' }, sources: [{ name: 'Y' }], num_replicas: 3, max_age: 5, placement: { cluster: 'c' }, storage: 'file' });
  assert.deepEqual(c, { name: 'JKVERIFY_1_ORDERS', subjects: ['$JKVERIFY.JKVERIFY_1_ORDERS'], num_replicas: 1, max_age: 0, storage: 'file' });
});
