/**
 * A real Kubernetes API server for system tests: etcd and kube-apiserver from the pinned builds
 * in `<cache>/bin` (scripts/install-tools.mjs), on free 127.0.0.1 ports, in a fresh temp dir.
 *
 *   const kube = await startTestKube();          // undefined (with kubeSkipReason()) when not built
 *   after(() => kube?.stop());
 *
 * Authentication: a static token file with an admin token (group system:masters) and
 * ServiceAccount tokens signed by a key pair generated here. Authorization: RBAC. Both
 * processes are stopped by PID in stop(), and SIGKILLed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { jetkeeperCacheDir, scratchDir } from './scratch.js';

export const KUBE_TOOLS = ['etcd', 'kube-apiserver'] as const;

/** Why the Kubernetes tests cannot run here, or undefined when both binaries are built. */
export function kubeSkipReason(tools: readonly string[] = KUBE_TOOLS): string | undefined {
  const bin = join(jetkeeperCacheDir(), 'bin');
  const missing = tools.filter((t) => !existsSync(join(bin, t)) || !existsSync(join(bin, `${t}.version`)));
  return missing.length ? `${missing.join(', ')} not built in ${bin} (run: node scripts/install-tools.mjs ${missing.join(' ')})` : undefined;
}

export function toolBin(name: string): string {
  return join(jetkeeperCacheDir(), 'bin', name);
}

export interface TestKube {
  /** https://127.0.0.1:PORT */
  server: string;
  /** kubeconfig file for the admin user (system:masters) */
  adminKubeconfig: string;
  dir: string;
  /** writes a kubeconfig file that authenticates with `token` (e.g. a ServiceAccount token), returns its path */
  kubeconfigForToken(token: string, name: string, namespace?: string): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const c of children) if (c.pid) try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ }
  });
}

function launch(bin: string, args: string[], logFile: string): ChildProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  const keep = (b: Buffer) => { chunks.push(b); if (chunks.length > 400) chunks.shift(); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => { try { writeFileSync(logFile, Buffer.concat(chunks)); } catch { /* dir gone */ } });
  track(child);
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => { if (child.pid) try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor(what: string, child: ChildProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

async function httpOk(url: string, token?: string): Promise<boolean> {
  const request = url.startsWith('https') ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, headers: token ? { authorization: `Bearer ${token}` } : {}, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
    req.end();
  });
}

function kubeconfigText(server: string, user: string, token: string, namespace = 'default'): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: user, context: { cluster: 'test', user, namespace } }],
    'current-context': user,
  }, null, 2);
}

async function startEtcd(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const child = launch(toolBin('etcd'), [
    '--name', 'default', '--data-dir', join(dir, 'etcd'), '--unsafe-no-fsync',
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `default=http://127.0.0.1:${peer}`, '--log-level', 'warn',
  ], join(dir, 'etcd.log'));
  await waitFor('etcd', child, () => httpOk(`${url}/health`), 30_000);
  return { child, url };
}

function apiserverArgs(dir: string, etcdUrl: string, port: number): string[] {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return [
    '--etcd-servers', etcdUrl, '--bind-address', '127.0.0.1', '--advertise-address', '10.96.0.1', '--endpoint-reconciler-type', 'none', '--secure-port', String(port),
    '--cert-dir', join(dir, 'certs'), '--token-auth-file', join(dir, 'tokens.csv'), '--authorization-mode', 'RBAC',
    '--service-account-key-file', join(dir, 'sa.pub'), '--service-account-signing-key-file', join(dir, 'sa.key'),
    '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local', '--api-audiences', 'https://kubernetes.default.svc.cluster.local',
    '--service-cluster-ip-range', '10.96.0.0/24', '--enable-priority-and-fairness=false', '--profiling=false', '--v=0',
  ];
}

/** Starts etcd and kube-apiserver; undefined when the binaries are not built (see kubeSkipReason). */
export async function startTestKube(): Promise<TestKube | undefined> {
  if (kubeSkipReason()) return undefined;
  const dir = scratchDir('jetkeeper-kube-').dir;
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin-uid,"system:masters"\n`);
  const started: ChildProcess[] = [];
  const stop = async () => { for (const c of started.reverse()) await stopChild(c); };
  try {
    const etcd = await startEtcd(dir);
    started.push(etcd.child);
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const api = launch(toolBin('kube-apiserver'), apiserverArgs(dir, etcd.url, port), join(dir, 'kube-apiserver.log'));
    started.push(api);
    await waitFor('kube-apiserver', api, () => httpOk(`${server}/readyz`, adminToken), 120_000);
    const adminKubeconfig = join(dir, 'admin.kubeconfig');
    writeFileSync(adminKubeconfig, kubeconfigText(server, 'admin', adminToken));
    const kubeconfigForToken = (token: string, name: string, namespace?: string) => {
      const p = join(dir, `${name}.kubeconfig`);
      writeFileSync(p, kubeconfigText(server, name, token, namespace));
      return p;
    };
    return { server, adminKubeconfig, dir, kubeconfigForToken, stop };
  } catch (e) {
    await stop();
    const log = join(dir, 'kube-apiserver.log');
    const tail = existsSync(log) ? readFileSync(log, 'utf8').split('\n').slice(-20).join('\n') : '';
    throw new Error(`${(e as Error).message}\n${tail}`);
  }
}
