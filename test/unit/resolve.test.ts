import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { JkError } from '../../src/errors.js';
import { MAX_TIMEOUT_MS, parseTimeout, resolveConnection, type ResolveInput } from '../../src/nats/resolve.js';

const HOME = '/home/u';
const files = (m: Record<string, string>) => (p: string) => m[p];
const input = (over: Partial<ResolveInput> = {}): ResolveInput => ({ options: {}, env: {}, home: HOME, readText: files({}), ...over });
const ctx = (url: string) => JSON.stringify({ url });

describe('resolveConnection: where to connect, from data only', () => {
  test('servers option > context option > $NATS_URL > local cluster > selected context > localhost', () => {
    const ctxFiles = files({
      [`${HOME}/.config/nats/context/a.json`]: ctx('nats://ctx-a:4222'),
      [`${HOME}/.config/nats/context/sel.json`]: ctx('nats://selected:4222'),
      [`${HOME}/.config/nats/context.txt`]: 'sel\n',
    });
    const all = input({ options: { server: 'nats://flag:1', context: 'a' }, env: { NATS_URL: 'nats://env:1' }, localCluster: ['nats://127.0.0.1:9'], readText: ctxFiles });
    assert.deepEqual(resolveConnection(all).servers, ['nats://flag:1']);
    assert.deepEqual(resolveConnection({ ...all, options: { context: 'a' } }).servers, ['nats://ctx-a:4222']);
    assert.deepEqual(resolveConnection({ ...all, options: {} }).servers, ['nats://env:1']);
    assert.deepEqual(resolveConnection({ ...all, options: {}, env: {} }).servers, ['nats://127.0.0.1:9']);
    assert.deepEqual(resolveConnection({ ...all, options: {}, env: {}, localCluster: undefined }).servers, ['nats://selected:4222']);
    assert.deepEqual(resolveConnection(input()).servers, ['nats://127.0.0.1:4222']);
  });

  test('the origin names the front end\'s label for the servers option', () => {
    assert.equal(resolveConnection(input({ options: { server: 'nats://h:1' }, serversLabel: '--server' })).origin, '--server');
  });

  test('an empty server list is an error, never a silent fall back to localhost', () => {
    for (const server of ['', ' , ']) {
      assert.throws(() => resolveConnection(input({ options: { server } })), (e: unknown) => e instanceof JkError && e.code === 'JK2010' && /empty/.test(e.message));
    }
  });

  test('a context that cannot be read is JK2004 naming the file', () => {
    assert.throws(() => resolveConnection(input({ options: { context: 'nope' } })), (e: unknown) => e instanceof JkError && e.code === 'JK2004' && e.message.includes('/home/u/.config/nats/context/nope.json'));
  });

  test('auth options overlay the chosen servers; $XDG_CONFIG_HOME moves the contexts', () => {
    const s = resolveConnection(input({ options: { context: 'x' }, env: { XDG_CONFIG_HOME: '/xdg', NATS_USER: 'u', NATS_PASSWORD: 'p' }, readText: files({ '/xdg/nats/context/x.json': ctx('nats://x:1') }) }));
    assert.deepEqual([s.servers, s.user, s.password], [['nats://x:1'], 'u', 'p']);
  });
});

describe('parseTimeout', () => {
  test('accepts whole milliseconds from 1 to the largest Node timer', () => {
    assert.equal(parseTimeout(undefined), 10_000);
    assert.equal(parseTimeout('1'), 1);
    assert.equal(parseTimeout(String(MAX_TIMEOUT_MS)), MAX_TIMEOUT_MS);
  });
  test('rejects 0, negatives, text, fractions and values a timer cannot hold', () => {
    for (const v of ['0', '-1', 'abc', '1.5', '', String(MAX_TIMEOUT_MS + 1), '1e9', '99999999999999999999']) {
      assert.throws(() => parseTimeout(v), (e: unknown) => e instanceof JkError && e.code === 'JK2010' && e.option === 'timeout', v);
    }
  });
});
