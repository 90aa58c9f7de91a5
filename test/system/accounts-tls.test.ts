/**
 * Certificate problems as a client meets them, on one real nats-server whose certificate is
 * swapped by a config reload: a certificate for another host (JK2103), then one that has expired
 * (JK2102), then a good one (connects). Certificates come from a local CA made with openssl.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { makeCa, makeCert, type TlsFiles } from '../../src/local/tls.js';
import { openConnection } from '../../src/nats/admin.js';
import { JkError } from '../../src/errors.js';
import { makeTempDir, testServerBin } from '../helpers/servers.js';
import { eventually } from '../helpers/monitor.js';

/** The certificates come from the machine's openssl: without it these tests are skipped, said so. */
const NO_OPENSSL = spawnSync('openssl', ['version']).error ? 'openssl is not installed: cannot make the local CA' : false;
const it = (name: string, fn: () => Promise<void> | void): void => void test(name, { skip: NO_OPENSSL }, fn);

let server: ChildProcess | undefined;
let dir: string;
let port: number;
let conf: string;
const certs: Record<string, TlsFiles> = {};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function writeConfig(c: TlsFiles): void {
  writeFileSync(conf, `listen: "127.0.0.1:${port}"\ntls {\n  cert_file: ${JSON.stringify(c.cert)}\n  key_file: ${JSON.stringify(c.key)}\n  timeout: 3\n}\n`);
}

before(async () => {
  if (NO_OPENSSL) return;
  dir = makeTempDir('jk-tls-');
  const ca = makeCa(join(dir, 'ca'));
  certs.otherHost = makeCert(dir, ca, 'other-host', { sans: ['DNS:db.example.invalid'] });
  certs.expired = makeCert(dir, ca, 'expired', { sans: ['IP:127.0.0.1', 'DNS:localhost'], days: -1 });
  certs.good = makeCert(dir, ca, 'good', { sans: ['IP:127.0.0.1', 'DNS:localhost'] });
  port = await freePort();
  conf = join(dir, 'nats-server.conf');
  writeConfig(certs.otherHost);
  server = spawn(testServerBin(), ['-c', conf], { stdio: 'ignore' });
  await eventually('the server listens', async () => {
    try {
      await openConnection({ servers: [`tls://127.0.0.1:${port}`], tls: { ca: certs.good.ca }, timeoutMs: 2000 });
    } catch (e) {
      return e instanceof JkError && e.code === 'JK2103' ? true : undefined;
    }
    return undefined;
  });
});

after(() => {
  if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGKILL');
});

const settings = () => ({ servers: [`tls://127.0.0.1:${port}`], tls: { ca: certs.good!.ca }, timeoutMs: 3000 });

async function refusal(): Promise<JkError> {
  try {
    const nc = await openConnection(settings());
    await nc.close();
  } catch (e) {
    if (e instanceof JkError) return e;
    throw e;
  }
  assert.fail('connected');
}

it('a certificate for another host: JK2103, naming the server and the fix', async () => {
  const e = await refusal();
  assert.equal(e.code, 'JK2103');
  assert.match(e.message, /does not name the host connected to/);
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

it('an expired certificate: JK2102', async () => {
  writeConfig(certs.expired!);
  process.kill(server!.pid!, 'SIGHUP');
  const e = await eventually('the reload is in effect', async () => {
    const r = await refusal();
    return r.code === 'JK2102' ? r : undefined;
  });
  assert.match(e.message, /has expired/);
  assert.match(e.fix ?? '', /renew the server certificate/);
});

it('a good certificate from the same CA connects', async () => {
  writeConfig(certs.good!);
  process.kill(server!.pid!, 'SIGHUP');
  const nc = await eventually('the reload is in effect', async () => {
    try {
      return await openConnection(settings());
    } catch {
      return undefined;
    }
  });
  assert.ok(!nc.isClosed());
  await nc.close();
});
