/**
 * Hostile and careless command lines against one real nats-server (user/password auth, no TLS)
 * and a TCP port that accepts but never speaks: the process always exits, tls:// never falls back
 * to plain text, no password, token or seed reaches the output, control characters are escaped.
 * Every case runs the CLI as a process (bin/jetkeeper.js).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, testServerBin } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'bin', 'jetkeeper.js');
const PASSWORD = 's3cr/et@pw';
const SEED = 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU';
const CLEAN_ENV = { NATS_URL: '', NATS_USER: '', NATS_PASSWORD: '', NATS_TOKEN: '', NATS_CREDS: '', NATS_NKEY: '', NATS_CONTEXT: '' };

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string }

/** Runs the CLI; the kill after `safetyMs` is only a safety net for a hang, never a timing assertion. */
function jk(args: string[], safetyMs = 90_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...CLEAN_ENV, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), safetyMs);
    p.on('error', reject);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

let dir: string;
let home: string;
let nats: ChildProcess;
let port: number;
/** accepts TCP connections and never sends a byte */
let silent: Server;
let silentPort: number;
const silentSockets = new Set<Socket>();

function manifest(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const STREAM = 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: hostile}\nspec: {name: HOSTILE, subjects: [hostile.>]}\n';

before(async () => {
  dir = makeTempDir('jetkeeper-hostile-');
  home = makeTempDir('jetkeeper-hostile-home-');
  const probe = createServer();
  port = await listen(probe);
  await new Promise((r) => probe.close(r));
  const conf = join(dir, 'server.conf');
  writeFileSync(conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(join(dir, 'js'))}, max_memory_store: 64MB, max_file_store: 64MB }\nauthorization { user: alice, password: ${JSON.stringify(PASSWORD)} }\n`);
  nats = spawn(testServerBin(), ['-c', conf], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  while (!(await canConnect(port))) {
    assert.ok(Date.now() < deadline, 'nats-server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  silent = createServer((s) => {
    silentSockets.add(s);
    s.on('close', () => silentSockets.delete(s));
  });
  silentPort = await listen(silent);
});

after(async () => {
  for (const s of silentSockets) s.destroy();
  await new Promise((r) => silent?.close(r));
  if (nats && nats.exitCode === null) {
    const exited = new Promise((r) => nats.once('exit', r));
    nats.kill('SIGTERM');
    await exited;
  }
});

const url = (cred: string) => `nats://${cred}@127.0.0.1:${port}`;

describe('the process always ends', () => {
  for (const extra of [['--timeout', '1000'], ['--timeout', '1'], []]) {
    test(`plan against a port that accepts TCP but never speaks exits non-zero with JK2001 (${extra.join(' ') || 'default timeout'})`, async () => {
      const r = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', `nats://127.0.0.1:${silentPort}`, ...extra]);
      assert.equal(r.signal, null, `killed by the safety net: the process hung\n${r.stderr}`);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /JK2001 cannot connect to nats:\/\/127\.0\.0\.1:\d+ .*timeout/);
    });
  }
});

describe('tls:// requires TLS', () => {
  test('tls:// against a server without TLS is JK2001, not a plain-text connection', async () => {
    const r = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', `tls://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /JK2001 .*the server does not offer TLS/);
    assert.ok(!r.stderr.includes(PASSWORD) && !r.stderr.includes(encodeURIComponent(PASSWORD)), r.stderr);
  });

  test('the same URL with nats:// connects', async () => {
    const r = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', url(`alice:${encodeURIComponent(PASSWORD)}`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+ create\s+Stream\/HOSTILE/);
  });
});

describe('no secret in the output', () => {
  test('user info without a scheme is used and never printed', async () => {
    const ok = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', `alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`]);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', `alice:wrong-pw-1@127.0.0.1:${port}`]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /JK2001 cannot connect to alice:\*\*\*@127\.0\.0\.1/);
    assert.ok(!bad.stderr.includes('wrong-pw-1'), bad.stderr);
  });

  test('a / and an @ in the password are neither an "Invalid URL" nor printed', async () => {
    const bad = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', url('bob:wr/o@ng')]);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /Invalid URL/);
    assert.match(bad.stderr, /JK2001 cannot connect to nats:\/\/bob:\*\*\*@127\.0\.0\.1/);
    assert.ok(!bad.stderr.includes('wr/o'), bad.stderr);
    const ok = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', url(`alice:${PASSWORD}`)]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('an NKey seed given to --nkey or inline in an Account is JK1106 and never printed', async () => {
    const flag = await jk(['plan', '-f', manifest('s.yaml', STREAM), '-s', `nats://127.0.0.1:${port}`, '--nkey', SEED]);
    const account = manifest('account.yaml', `apiVersion: jetstream.nats.io/v1beta2
kind: Account
metadata: {name: pay}
spec:
  name: pay
  servers: [nats://127.0.0.1:${port}]
  nkey: {seed: ${SEED}}
---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: {name: s}
spec: {name: S, subjects: [s.>], account: pay}
`);
    const inline = await jk(['plan', '-f', account]);
    for (const r of [flag, inline]) {
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /JK1106 .*looks like a secret \(nkey seed\), not a file path/);
      assert.ok(!(r.stdout + r.stderr).includes(SEED), r.stderr);
    }
  });
});

describe('control characters are escaped', () => {
  test('plan shows a description with terminal escapes as text', async () => {
    const file = manifest('ctl.yaml', STREAM.replace('subjects: [hostile.>]', 'subjects: [hostile.>], description: "\\e]0;pwned\\a\\e[2J"'));
    const r = await jk(['plan', '-f', file, '-s', url(`alice:${encodeURIComponent(PASSWORD)}`)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /description: \\e\]0;pwned\\x07\\e\[2J/);
    assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x09\x0b-\x1f\x7f]/);
  });
});
