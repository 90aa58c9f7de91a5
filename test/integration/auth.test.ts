/**
 * Connection options against real, single nats-servers that demand auth: user/password, token,
 * NKey, creds (operator mode, JWTs made with @nats-io/jwt), TLS with client certificates and TLS
 * handshake-first. Every case runs the CLI as a process (bin/jetkeeper.js) and checks exit codes,
 * JK2001 on refusal, and that no secret (password, token, seed, private key) reaches stdout/stderr.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser as createUserNKey, type KeyPair } from '@nats-io/nkeys';
import { createAccount, createOperator, createUser, encodeAccount, encodeOperator, encodeUser, fmtCreds } from '@nats-io/jwt';
import { serverVersion } from '../../src/local/binary.js';
import { makeTempDir, testServerBin } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'bin', 'jetkeeper.js');

const PASSWORD = 's3cr3t-pw';
const TOKEN = 't0ken-xyz';

interface Run { code: number; stdout: string; stderr: string }

/** Variables that would otherwise let the caller's environment pick the server or the auth. */
const CLEAN_ENV: Record<string, string> = {
  NATS_URL: '', NATS_USER: '', NATS_PASSWORD: '', NATS_TOKEN: '', NATS_CREDS: '', NATS_NKEY: '', NATS_CONTEXT: '',
};

/** Runs the CLI as a process (asynchronously, so independent runs can overlap). */
function jk(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...CLEAN_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Neither stream mentions any of the secrets. */
function assertNoSecrets(r: Run, secrets: readonly string[], label: string): void {
  for (const s of secrets) {
    assert.doesNotMatch(r.stdout, new RegExp(escape(s)), `${label}: stdout leaks a secret`);
    assert.doesNotMatch(r.stderr, new RegExp(escape(s)), `${label}: stderr leaks a secret`);
  }
}

function assertOk(r: Run, label: string): void {
  assert.equal(r.code, 0, `${label}: exit ${r.code}\n${r.stdout}${r.stderr}`);
}

/** Exit 1 with a text-mode JK2001 on stderr that names the server (scheme://[user info redacted@]127.0.0.1:port). */
function assertRefused(r: Run, port: number, label: string): void {
  assert.equal(r.code, 1, `${label}: expected exit 1, got ${r.code}\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`JK2001 cannot connect to [a-z]+://(?:[^@\\s]*@)?127\\.0\\.0\\.1:${port}\\b`), `${label}: ${r.stderr}`);
}

function streamNames(r: Run): string[] {
  return (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name).sort();
}

// ---------------------------------------------------------------------------------------------
// servers

interface TestServer { name: string; port: number; url: string; proc: ChildProcess; log: () => string }

const started = new Set<ChildProcess>();
/** Safety net: a server must not outlive the test process even if after() never ran. */
process.on('exit', () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
});

/** Distinct free ports: all are held open together, then released. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `bin -c <dir>/<name>.conf` (listen + JetStream added here) and waits until the client port accepts. */
async function startServer({ bin, dir }: { bin: string; dir: string }, name: string, port: number, body: string, scheme = 'nats'): Promise<TestServer> {
  const store = join(dir, `${name}-js`);
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `server_name: jk_auth_${name}
listen: 127.0.0.1:${port}
jetstream { store_dir: ${JSON.stringify(store)}, max_memory_store: 64MB, max_file_store: 64MB }
${body}
`);
  const proc = spawn(bin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.add(proc);
  let log = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (log += d));
  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`nats-server ${name} exited (${proc.exitCode ?? proc.signalCode}):\n${log}`);
    if (Date.now() > deadline) throw new Error(`nats-server ${name} did not accept connections on ${port}:\n${log}`);
    await sleep(20);
  }
  return { name, port, url: `${scheme}://127.0.0.1:${port}`, proc, log: () => log };
}

async function stopAll(): Promise<void> {
  await Promise.all([...started].map(async (p) => {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    }
    started.delete(p);
  }));
}

// ---------------------------------------------------------------------------------------------
// key material

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

interface Pki { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

/** A CA, a server certificate for 127.0.0.1 (IP SAN) and a client certificate, all EC P-256. */
function makePki(dir: string): Pki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=jetkeeper test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  for (const [who, serial] of [['server', '2'], ['client', '3']] as const) {
    openssl(dir, ['req', ...ec, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`, '-subj', `/CN=jetkeeper test ${who}`]);
    openssl(dir, ['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-set_serial', serial, '-days', '2',
      '-out', `${who}.pem`, '-extfile', `${who}.ext`]);
    chmodSync(join(dir, `${who}-key.pem`), 0o600);
  }
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'), clientKey: join(dir, 'client-key.pem'),
  };
}

/** The base64 lines of a PEM private key: none of them may appear in any output. */
function pemBody(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----') && l.length >= 16);
}

const seedText = (kp: KeyPair) => new TextDecoder().decode(kp.getSeed());

function writeSecretFile(path: string, data: string | Uint8Array): string {
  writeFileSync(path, data, { mode: 0o600 });
  return path;
}

function hasOpenssl(): boolean {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

/** Whether this nats-server accepts `handshake_first` in its tls block (2.10.x+; not Debian's 2.9.10). */
function supportsHandshakeFirst(bin: string, dir: string, pki: Pki): boolean {
  const conf = join(dir, 'probe-handshake-first.conf');
  writeFileSync(conf, `listen: 127.0.0.1:-1\ntls { cert_file: ${JSON.stringify(pki.serverCert)}, key_file: ${JSON.stringify(pki.serverKey)}, handshake_first: true }\n`);
  const r = spawnSync(bin, ['-c', conf, '-t'], { encoding: 'utf8', timeout: 15_000 });
  return r.status === 0;
}

// ---------------------------------------------------------------------------------------------

const MANIFEST = `apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: auth-probe }
spec: { name: AUTH_PROBE, subjects: [authprobe.>], storage: memory }
`;

/** MANIFEST plus a second stream with its own spec.servers: plan then has two groups and prints a `# <settings>` header for each. */
function twoGroups(file: string, url: string): string {
  writeFileSync(file, `${MANIFEST}---
apiVersion: jetstream.nats.io/v1beta2
kind: Stream
metadata: { name: auth-probe-b }
spec: { name: AUTH_PROBE_B, subjects: [authprobeb.>], storage: memory, servers: [${JSON.stringify(url)}] }
`);
  return file;
}

describe('connection options against real nats-servers with auth', () => {
  const bin = testServerBin();
  const version = serverVersion(bin);
  const dir = makeTempDir('jetkeeper-auth-');
  const emptyHome = makeTempDir('jetkeeper-auth-home-');
  const manifest = join(dir, 'stream.yaml');
  const opensslOk = hasOpenssl();

  let userSrv: TestServer;
  let tokenSrv: TestServer;
  let nkeySrv: TestServer;
  let credsSrv: TestServer;
  let tlsSrv: TestServer | undefined;
  let tlsFirstSrv: TestServer | undefined;
  let tlsFirstReason = '';
  let pki: Pki | undefined;

  // NKey user and a stranger's seed
  const nkeyUser = createUserNKey();
  const nkeyStranger = createUserNKey();
  const nkeySeedFile = writeSecretFile(join(dir, 'user.nk'), seedText(nkeyUser) + '\n');
  const strangerSeedFile = writeSecretFile(join(dir, 'stranger.nk'), seedText(nkeyStranger) + '\n');

  // operator mode: operator, account (JetStream enabled), user; a second account the server does not know
  const operator = createOperator();
  const account = createAccount();
  const sysAccount = createAccount();
  const credsUser = createUser();
  const rogueAccount = createAccount();
  const rogueUser = createUser();
  let credsFile = '';
  let rogueCredsFile = '';

  before(async () => {
    writeFileSync(manifest, MANIFEST);
    const ports = await freePorts(6);
    const jsLimits = { mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 };
    const limits = { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1, ...jsLimits };
    const operatorJwt = await encodeOperator('JK_TEST_OP', operator, { system_account: sysAccount.getPublicKey() });
    const accountJwt = await encodeAccount('JK_TEST_ACC', account, { limits }, { signer: operator });
    const sysJwt = await encodeAccount('SYS', sysAccount, {}, { signer: operator });
    credsFile = writeSecretFile(join(dir, 'alice.creds'), fmtCreds(await encodeUser('alice', credsUser, account), credsUser));
    rogueCredsFile = writeSecretFile(join(dir, 'rogue.creds'), fmtCreds(await encodeUser('mallory', rogueUser, rogueAccount), rogueUser));

    const starting: Promise<TestServer>[] = [
      startServer({ bin, dir }, 'user', ports[0], `authorization { users: [ { user: alice, password: ${JSON.stringify(PASSWORD)} } ] }`),
      startServer({ bin, dir }, 'token', ports[1], `authorization { token: ${JSON.stringify(TOKEN)} }`),
      startServer({ bin, dir }, 'nkey', ports[2], `authorization { users: [ { nkey: ${nkeyUser.getPublicKey()} } ] }`),
      startServer({ bin, dir }, 'creds', ports[3], `operator: ${operatorJwt}
system_account: ${sysAccount.getPublicKey()}
resolver: MEMORY
resolver_preload: { ${account.getPublicKey()}: ${accountJwt}, ${sysAccount.getPublicKey()}: ${sysJwt} }`),
    ];
    if (opensslOk) {
      const pkiDir = join(dir, 'pki');
      mkdirSync(pkiDir);
      pki = makePki(pkiDir);
      const tlsBlock = (extra: string) => `tls { cert_file: ${JSON.stringify(pki!.serverCert)}, key_file: ${JSON.stringify(pki!.serverKey)}, ca_file: ${JSON.stringify(pki!.ca)}, verify: true${extra} }`;
      starting.push(startServer({ bin, dir }, 'tls', ports[4], tlsBlock(''), 'tls'));
      if (supportsHandshakeFirst(bin, dir, pki)) starting.push(startServer({ bin, dir }, 'tlsfirst', ports[5], tlsBlock(', handshake_first: true'), 'tls'));
      else tlsFirstReason = `nats-server ${version} does not know tls { handshake_first } (added in 2.10.x)`;
    } else {
      tlsFirstReason = 'openssl is not installed';
    }
    const servers = await Promise.all(starting);
    [userSrv, tokenSrv, nkeySrv, credsSrv] = servers;
    tlsSrv = servers.find((s) => s.name === 'tls');
    tlsFirstSrv = servers.find((s) => s.name === 'tlsfirst');
  });

  after(async () => {
    await stopAll();
  });

  describe('user and password', () => {
    test('--user/--password applies and reads; $NATS_PASSWORD works; output never holds the password', async () => {
      const s = ['-s', userSrv.url, '--home', emptyHome];
      const applied = await jk(['apply', '-f', manifest, '-o', 'json', ...s, '--user', 'alice', '--password', PASSWORD]);
      assertOk(applied, 'apply --password');
      assertNoSecrets(applied, [PASSWORD], 'apply --password');
      const [flag, env] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', ...s, '--user', 'alice', '--password', PASSWORD]),
        jk(['get', 'streams', '-o', 'json', ...s, '--user', 'alice'], { NATS_PASSWORD: PASSWORD }),
      ]);
      for (const [r, label] of [[flag, '--password'], [env, '$NATS_PASSWORD']] as const) {
        assertOk(r, label);
        assert.deepEqual(streamNames(r), ['AUTH_PROBE'], label);
        assertNoSecrets(r, [PASSWORD], label);
      }
    });

    test('a wrong or missing password is JK2001 naming the server, exit 1, no secret in text or JSON output', async () => {
      const s = ['-s', userSrv.url, '--home', emptyHome, '--timeout', '3000'];
      const [wrong, wrongJson, envWrong, missing] = await Promise.all([
        jk(['get', 'streams', ...s, '--user', 'alice', '--password', 'wr0ng-pw-1']),
        jk(['get', 'streams', '-o', 'json', ...s, '--user', 'alice', '--password', 'wr0ng-pw-1']),
        jk(['get', 'streams', ...s, '--user', 'alice'], { NATS_PASSWORD: 'wr0ng-pw-2' }),
        jk(['get', 'streams', ...s]),
      ]);
      assertRefused(wrong, userSrv.port, 'wrong password');
      assert.match(wrong.stderr, /user=alice password=\*\*\*/);
      assertNoSecrets(wrong, ['wr0ng-pw-1', PASSWORD], 'wrong password');
      assert.equal(wrongJson.code, 1);
      const errors = (JSON.parse(wrongJson.stdout) as { errors: { code: string; message: string }[] }).errors;
      assert.equal(errors[0].code, 'JK2001');
      assert.match(errors[0].message, new RegExp(`127\\.0\\.0\\.1:${userSrv.port}`));
      assertNoSecrets(wrongJson, ['wr0ng-pw-1', PASSWORD], 'wrong password -o json');
      assertRefused(envWrong, userSrv.port, '$NATS_PASSWORD wrong');
      assertNoSecrets(envWrong, ['wr0ng-pw-2', PASSWORD], '$NATS_PASSWORD wrong');
      assertRefused(missing, userSrv.port, 'no credentials');
    });

    test('-s nats://alice:PASSWORD@host works and the password never appears; a wrong one in the URL is JK2001', async () => {
      const good = `nats://alice:${PASSWORD}@127.0.0.1:${userSrv.port}`;
      const two = twoGroups(join(dir, 'two-url.yaml'), `${good}/`);
      const [get, planText, planJson, wrong] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', '-s', good, '--home', emptyHome]),
        jk(['plan', '-f', two, '-s', good, '--home', emptyHome]),
        jk(['plan', '-f', two, '-o', 'json', '-s', good, '--home', emptyHome]),
        jk(['get', 'streams', '-s', `nats://alice:wr0ng-pw-3@127.0.0.1:${userSrv.port}`, '--home', emptyHome, '--timeout', '3000']),
      ]);
      assertOk(get, 'URL with password');
      assert.deepEqual(streamNames(get), ['AUTH_PROBE']);
      assertOk(planText, 'plan with URL password');
      assert.match(planText.stdout, new RegExp(`^# nats://alice:\\*\\*\\*@127\\.0\\.0\\.1:${userSrv.port} \\(from --server\\)$`, 'm'));
      assert.match(planText.stdout, /\+ create\s+Stream\/AUTH_PROBE_B/);
      assertOk(planJson, 'plan -o json with URL password');
      assert.deepEqual((JSON.parse(planJson.stdout) as { groups: { server: string }[] }).groups.map((g) => g.server), [
        `nats://alice:***@127.0.0.1:${userSrv.port} (from --server)`,
        `nats://alice:***@127.0.0.1:${userSrv.port}/ (from --server + Stream/auth-probe-b)`,
      ]);
      for (const r of [get, planText, planJson]) assertNoSecrets(r, [PASSWORD], 'URL form');
      assertRefused(wrong, userSrv.port, 'wrong password in URL');
      assert.match(wrong.stderr, /nats:\/\/alice:\*\*\*@127/);
      assertNoSecrets(wrong, ['wr0ng-pw-3'], 'wrong password in URL');
    });

    test('plan text and -o json with --user/--password show user=alice password=*** only', async () => {
      const s = ['-s', userSrv.url, '--home', emptyHome, '--user', 'alice', '--password', PASSWORD];
      const two = twoGroups(join(dir, 'two-user.yaml'), `nats://alice:${PASSWORD}@127.0.0.1:${userSrv.port}`);
      const [text, json] = await Promise.all([jk(['plan', '-f', two, ...s]), jk(['plan', '-f', two, '-o', 'json', ...s])]);
      assertOk(text, 'plan text');
      const port = userSrv.port;
      assert.match(text.stdout, new RegExp(`^# nats://127\\.0\\.0\\.1:${port} user=alice password=\\*\\*\\* \\(from --server\\)$`, 'm'));
      assert.match(text.stdout, new RegExp(`^# nats://alice:\\*\\*\\*@127\\.0\\.0\\.1:${port} user=alice password=\\*\\*\\* \\(from --server \\+ Stream/auth-probe-b\\)$`, 'm'));
      assertOk(json, 'plan json');
      assert.deepEqual((JSON.parse(json.stdout) as { groups: { server: string }[] }).groups.map((g) => g.server), [
        `nats://127.0.0.1:${port} user=alice password=*** (from --server)`,
        `nats://alice:***@127.0.0.1:${port} user=alice password=*** (from --server + Stream/auth-probe-b)`,
      ]);
      assertNoSecrets(text, [PASSWORD], 'plan text');
      assertNoSecrets(json, [PASSWORD], 'plan json');
    });
  });

  describe('nats CLI contexts', () => {
    test('--context /path/ctx.json with url/user/password connects; a wrong password in it is JK2001 without secrets', async () => {
      const ctx = join(dir, 'alice-ctx.json');
      writeFileSync(ctx, JSON.stringify({ url: userSrv.url, user: 'alice', password: PASSWORD }));
      const bad = join(dir, 'alice-bad-ctx.json');
      writeFileSync(bad, JSON.stringify({ url: userSrv.url, user: 'alice', password: 'wr0ng-pw-4' }));
      const two = twoGroups(join(dir, 'two-ctx.yaml'), userSrv.url + '/');
      const [ok, plan, refused] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', '--context', ctx, '--home', emptyHome]),
        jk(['plan', '-f', two, '--context', ctx, '--home', emptyHome]),
        jk(['get', 'streams', '--context', bad, '--home', emptyHome, '--timeout', '3000']),
      ]);
      assertOk(ok, '--context file');
      assert.deepEqual(streamNames(ok), ['AUTH_PROBE']);
      assertOk(plan, 'plan --context file');
      assert.match(plan.stdout, new RegExp(`^# nats://127\\.0\\.0\\.1:${userSrv.port} user=alice password=\\*\\*\\* \\(from context .*alice-ctx\\.json\\)$`, 'm'));
      for (const r of [ok, plan]) assertNoSecrets(r, [PASSWORD], '--context file');
      assertRefused(refused, userSrv.port, 'bad context');
      assert.match(refused.stderr, /user=alice password=\*\*\* \(from context .*alice-bad-ctx\.json\)/);
      assertNoSecrets(refused, ['wr0ng-pw-4'], 'bad context');
    });

    test('the context selected in $XDG_CONFIG_HOME/nats/context.txt is used when no server is given', async () => {
      const xdg = makeTempDir('jetkeeper-auth-xdg-');
      mkdirSync(join(xdg, 'nats', 'context'), { recursive: true });
      writeFileSync(join(xdg, 'nats', 'context', 'jk-alice.json'), JSON.stringify({ description: 'test', url: userSrv.url, user: 'alice', password: PASSWORD }));
      writeFileSync(join(xdg, 'nats', 'context.txt'), 'jk-alice\n');
      const env = { XDG_CONFIG_HOME: xdg, NATS_URL: '' };
      const two = twoGroups(join(dir, 'two-xdg.yaml'), userSrv.url + '/');
      const [get, plan] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', '--home', emptyHome], env),
        jk(['plan', '-f', two, '--home', emptyHome], env),
      ]);
      assertOk(get, 'selected context');
      assert.deepEqual(streamNames(get), ['AUTH_PROBE']);
      assertOk(plan, 'plan with selected context');
      assert.match(plan.stdout, new RegExp(`^# nats://127\\.0\\.0\\.1:${userSrv.port} user=alice password=\\*\\*\\* \\(from context jk-alice\\)$`, 'm'));
      for (const r of [get, plan]) assertNoSecrets(r, [PASSWORD], 'selected context');
    });
  });

  describe('token', () => {
    test('--token, $NATS_TOKEN and nats://TOKEN@host work; wrong or missing token is JK2001; the token never appears', async () => {
      const s = ['-s', tokenSrv.url, '--home', emptyHome];
      const applied = await jk(['apply', '-f', manifest, '-o', 'json', ...s, '--token', TOKEN]);
      assertOk(applied, '--token apply');
      const two = twoGroups(join(dir, 'two-token.yaml'), `nats://${TOKEN}@127.0.0.1:${tokenSrv.port}`);
      const [env, url, planText, planJson, wrong, wrongEnv, missing] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', ...s], { NATS_TOKEN: TOKEN }),
        jk(['get', 'streams', '-o', 'json', '-s', `nats://${TOKEN}@127.0.0.1:${tokenSrv.port}`, '--home', emptyHome]),
        jk(['plan', '-f', two, ...s], { NATS_TOKEN: TOKEN }),
        jk(['plan', '-f', two, '-o', 'json', ...s, '--token', TOKEN]),
        jk(['get', 'streams', ...s, '--token', 'wr0ng-t0ken-1', '--timeout', '3000']),
        jk(['get', 'streams', '-o', 'json', ...s, '--timeout', '3000'], { NATS_TOKEN: 'wr0ng-t0ken-2' }),
        jk(['get', 'streams', ...s, '--timeout', '3000']),
      ]);
      assertOk(env, '$NATS_TOKEN');
      assert.deepEqual(streamNames(env), ['AUTH_PROBE']);
      assertOk(url, 'token in URL');
      assert.deepEqual(streamNames(url), ['AUTH_PROBE']);
      assertOk(planText, 'plan $NATS_TOKEN');
      assert.match(planText.stdout, new RegExp(`^# nats://127\\.0\\.0\\.1:${tokenSrv.port} token=\\*\\*\\* \\(from --server\\)$`, 'm'));
      assert.match(planText.stdout, new RegExp(`^# nats://\\*\\*\\*@127\\.0\\.0\\.1:${tokenSrv.port} token=\\*\\*\\* \\(from --server \\+ Stream/auth-probe-b\\)$`, 'm'));
      assertOk(planJson, 'plan --token -o json');
      assert.equal((JSON.parse(planJson.stdout) as { groups: unknown[] }).groups.length, 2);
      assertRefused(wrong, tokenSrv.port, 'wrong --token');
      assert.match(wrong.stderr, /token=\*\*\* \(from --server\)/);
      assert.equal(wrongEnv.code, 1);
      assert.equal(JSON.parse(wrongEnv.stdout).errors[0].code, 'JK2001');
      assertRefused(missing, tokenSrv.port, 'no token');
      for (const r of [applied, env, url, planText, planJson, wrong, wrongEnv, missing]) assertNoSecrets(r, [TOKEN, 'wr0ng-t0ken-1', 'wr0ng-t0ken-2'], 'token');
    });
  });

  describe('NKey', () => {
    test('--nkey with the seed file works; another seed or none is JK2001; no seed ever appears', async () => {
      const s = ['-s', nkeySrv.url, '--home', emptyHome];
      const secrets = [seedText(nkeyUser), seedText(nkeyStranger)];
      const [ok, stranger, missing, noFile] = await Promise.all([
        jk(['apply', '-f', manifest, '-o', 'json', ...s, '--nkey', nkeySeedFile]),
        jk(['get', 'streams', ...s, '--nkey', strangerSeedFile, '--timeout', '3000']),
        jk(['get', 'streams', ...s, '--timeout', '3000']),
        jk(['get', 'streams', ...s, '--nkey', join(dir, 'no-such.nk')]),
      ]);
      assertOk(ok, '--nkey');
      assert.equal(JSON.parse(ok.stdout).writes, 1);
      assertRefused(stranger, nkeySrv.port, 'unknown nkey');
      assert.match(stranger.stderr, /nkey=\S*stranger\.nk \(from --server\)/);
      assertRefused(missing, nkeySrv.port, 'no nkey');
      assert.equal(noFile.code, 1);
      assert.match(noFile.stderr, /JK2004 cannot read credentials/);
      for (const r of [ok, stranger, missing, noFile]) assertNoSecrets(r, secrets, 'nkey');
    });
  });

  describe('creds (operator mode, resolver: MEMORY)', () => {
    test('--creds with a user JWT of the preloaded account works; a foreign account is JK2001; no seed appears', async () => {
      const s = ['-s', credsSrv.url, '--home', emptyHome];
      const secrets = [seedText(credsUser), seedText(rogueUser), seedText(account), seedText(operator)];
      const [ok, rogue, missing] = await Promise.all([
        jk(['apply', '-f', manifest, '-o', 'json', ...s, '--creds', credsFile]),
        jk(['get', 'streams', ...s, '--creds', rogueCredsFile, '--timeout', '3000']),
        jk(['get', 'streams', ...s, '--timeout', '3000']),
      ]);
      assertOk(ok, '--creds');
      assert.equal(JSON.parse(ok.stdout).writes, 1);
      assertRefused(rogue, credsSrv.port, 'foreign account creds');
      assert.match(rogue.stderr, /creds=\S*rogue\.creds \(from --server\)/);
      assertRefused(missing, credsSrv.port, 'no creds');
      for (const r of [ok, rogue, missing]) assertNoSecrets(r, secrets, 'creds');
    });
  });

  describe('TLS with client certificates', () => {
    test('--tlsca --tlscert --tlskey works (also from a context); without the client cert or the CA it is JK2001; the key never appears', async (t) => {
      if (!opensslOk || !tlsSrv || !pki) return t.skip('openssl is not installed: cannot make certificates');
      const s = ['-s', tlsSrv.url, '--home', emptyHome];
      const keyLines = pemBody(pki.clientKey);
      const applied = await jk(['apply', '-f', manifest, '-o', 'json', ...s, '--tlsca', pki.ca, '--tlscert', pki.clientCert, '--tlskey', pki.clientKey]);
      assertOk(applied, 'mutual TLS apply');
      const ctx = join(dir, 'tls-ctx.json');
      writeFileSync(ctx, JSON.stringify({ url: tlsSrv.url, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey }));
      const [viaContext, noCert, noCa] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', '--context', ctx, '--home', emptyHome]),
        jk(['get', 'streams', ...s, '--tlsca', pki.ca, '--timeout', '3000']),
        jk(['get', 'streams', ...s, '--timeout', '3000']),
      ]);
      assertOk(viaContext, 'TLS from a context');
      assert.deepEqual(streamNames(viaContext), ['AUTH_PROBE']);
      assertRefused(noCert, tlsSrv.port, 'no client cert');
      // nats.js alone says "timeout"; jetkeeper reads the TLS alert (2.9's Go sends "bad certificate"), or, rarely, sees only the reset after it
      assert.match(noCert.stderr, / tls \(from --server\): the server (ended the TLS handshake: (certificate required|bad certificate)|closed the connection right after the TLS handshake)\n/);
      assert.match(noCert.stderr, /fix: give a client certificate and key the server trusts/);
      assertRefused(noCa, tlsSrv.port, 'no CA');
      for (const r of [applied, viaContext, noCert, noCa]) assertNoSecrets(r, keyLines, 'TLS');
    });

    test('--tlsfirst does the TLS handshake before the NATS protocol', async (t) => {
      if (!tlsFirstSrv || !pki) return t.skip(tlsFirstReason);
      const s = ['-s', tlsFirstSrv.url, '--home', emptyHome];
      const applied = await jk(['apply', '-f', manifest, '-o', 'json', ...s, '--tlsca', pki.ca, '--tlscert', pki.clientCert, '--tlskey', pki.clientKey, '--tlsfirst']);
      assertOk(applied, '--tlsfirst');
      const ctx = join(dir, 'tlsfirst-ctx.json');
      writeFileSync(ctx, JSON.stringify({ url: tlsFirstSrv.url, ca: pki.ca, cert: pki.clientCert, key: pki.clientKey, tls_first: true }));
      const [viaContext, noCert] = await Promise.all([
        jk(['get', 'streams', '-o', 'json', '--context', ctx, '--home', emptyHome]),
        jk(['get', 'streams', ...s, '--tlsca', pki.ca, '--tlsfirst', '--timeout', '3000']),
      ]);
      assertOk(viaContext, 'tls_first from a context');
      assert.deepEqual(streamNames(viaContext), ['AUTH_PROBE']);
      assertRefused(noCert, tlsFirstSrv.port, '--tlsfirst without client cert');
      assert.match(noCert.stderr, / tls \(from --server\): the server ended the TLS handshake: certificate required\n/);
      for (const r of [applied, viaContext, noCert]) assertNoSecrets(r, pemBody(pki.clientKey), 'tlsfirst');
    });
  });

  test('every server started here is still running (none crashed under the tests)', () => {
    for (const p of started) assert.equal(p.exitCode, null);
    assert.ok(existsSync(dir));
  });
});
