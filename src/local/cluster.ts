/**
 * Real local NATS clusters: `jetkeeper up` / `down` and the integration tests.
 *
 * Layout of a cluster dir:
 *   <dir>/cluster.json            state: names, pids, urls, files (written once every server is ready)
 *   <dir>/context.json            a nats CLI context for the cluster (`nats --context <dir>/context.json ...`)
 *   <dir>/n{i}/nats-server.conf   config of server n{i}
 *   <dir>/n{i}/server.log         its stdout/stderr
 *   <dir>/n{i}/js                 its JetStream store
 *
 * Servers listen on 127.0.0.1 only. Processes are only ever signalled after checking that the pid is
 * still the nats-server started with that cluster's config file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { JkError } from '../errors.js';
import { serverVersion } from './binary.js';

export const DEFAULT_CLUSTER_NAME = 'jetkeeper';
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;

export interface ServerState {
  /** server_name, `n1`..`nN` */
  name: string;
  pid: number;
  /** `nats://127.0.0.1:<port>` */
  clientUrl: string;
  /** `http://127.0.0.1:<port>` */
  monitorUrl: string;
  /** cluster (route) port; null for a single server */
  routePort: number | null;
  configFile: string;
  logFile: string;
  storeDir: string;
}

export interface ClusterState {
  /** cluster name (the `cluster { name }` of a multi-server cluster) */
  name: string;
  servers: ServerState[];
  /** the nats-server binary */
  bin: string;
  /** its version, `2.15.2` */
  version: string;
  /** ISO time */
  startedAt: string;
}

export interface StartClusterOptions {
  /** 1, 3 or 5 */
  servers: number;
  /** cluster dir; created if missing */
  dir: string;
  /** nats-server binary (see findNatsServer) */
  bin: string;
  /** cluster name, default `jetkeeper` */
  name?: string;
  /** client ports base+0 .. base+N-1 (must be free); default: free ports picked by the OS */
  clientPortBase?: number;
  /** own process group, unref'd: the servers outlive this process (for `jetkeeper up`) */
  detached?: boolean;
  /** default 30s */
  readyTimeoutMs?: number;
}

export interface StopOptions {
  /** also remove the whole cluster dir (stores, logs, configs) */
  purge?: boolean;
}

export function clusterStateFile(dir: string): string {
  return join(resolve(dir), 'cluster.json');
}

/** The nats CLI context file of the cluster in `dir`. */
export function contextFile(dir: string): string {
  return join(resolve(dir), 'context.json');
}

/** The state in `<dir>/cluster.json`; JK4004 when there is none. */
export function readClusterState(dir: string): ClusterState {
  const file = clusterStateFile(dir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new JkError('JK4004', {
        message: `no local cluster in ${resolve(dir)} (no cluster.json)`,
        fix: 'start one with `jetkeeper up`, or pass the --dir it was started with',
      });
    }
    throw e;
  }
  try {
    const state = JSON.parse(text) as ClusterState;
    if (!Array.isArray(state.servers)) throw new Error('servers is not a list');
    return state;
  } catch (e) {
    throw new JkError('JK4004', {
      message: `${file} is not a jetkeeper cluster state file: ${(e as Error).message}`,
      fix: `remove ${file} (and stop any nats-server it started by hand)`,
      cause: e,
    });
  }
}

function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

// ---------------------------------------------------------------------------------------------
// processes

/**
 * True when `pid` is a live process started with `configFile` on its command line (so it is the
 * nats-server jetkeeper started, not an unrelated process that reused the pid). Zombies count as dead.
 * Where /proc is absent (not Linux), falls back to "the pid exists".
 */
export function isOurServer(pid: number, configFile: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (existsSync('/proc/self/cmdline')) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return false;
    }
    if (!cmdline.split('\0').includes(configFile)) return false;
    try {
      // `pid (comm) S ...`: comm may hold spaces or parens, the state follows the last `)`.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      return false;
    }
    return true;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Wait until the server's pid is gone; false on timeout. */
async function waitGone(s: ServerState, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isOurServer(s.pid, s.configFile)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/** SIGTERM, up to STOP_GRACE_MS for a clean exit, then SIGKILL. Only our own server is signalled. */
async function stopServer(s: ServerState): Promise<void> {
  if (!isOurServer(s.pid, s.configFile)) return;
  signal(s.pid, 'SIGTERM');
  if (await waitGone(s, STOP_GRACE_MS)) return;
  if (isOurServer(s.pid, s.configFile)) signal(s.pid, 'SIGKILL');
  await waitGone(s, STOP_GRACE_MS);
}

async function stopServers(servers: ServerState[]): Promise<void> {
  await Promise.all(servers.map((s) => stopServer(s)));
}

function removeStateFiles(dir: string, purge: boolean | undefined): void {
  if (purge) {
    rmSync(resolve(dir), { recursive: true, force: true });
    return;
  }
  rmSync(clusterStateFile(dir), { force: true });
  rmSync(contextFile(dir), { force: true });
}

/**
 * Stops the cluster recorded in `<dir>/cluster.json` (which may have been started by another process):
 * SIGTERM to each server that is still ours, SIGKILL after ~5s, then removes cluster.json and
 * context.json; `purge` removes the whole dir. JK4004 when there is no cluster.json.
 */
export async function stopCluster(dir: string, opts: StopOptions = {}): Promise<void> {
  const state = readClusterState(dir);
  await stopServers(state.servers);
  removeStateFiles(dir, opts.purge);
}

/** The last `maxBytes` of a log file, for error messages. */
export function logTail(file: string, maxLines = 20, maxBytes = 8192): string {
  try {
    const size = statSync(file).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').trimEnd().split('\n').slice(-maxLines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// ports

function listen(port: number): Promise<Server> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', rej);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => res(srv));
  });
}

function close(srv: Server): Promise<void> {
  return new Promise((r) => srv.close(() => r()));
}

/**
 * `clientCount` client ports (base+i when `base` is given, each checked free, else JK4002) and `otherCount`
 * free ports from the OS. All are held open until all are chosen, so none is handed out twice.
 */
async function allocatePorts(clientCount: number, otherCount: number, base?: number): Promise<{ clients: number[]; others: number[] }> {
  const held: Server[] = [];
  try {
    const clients: number[] = [];
    for (let i = 0; i < clientCount; i++) {
      if (base === undefined) break;
      const port = base + i;
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        throw new JkError('JK1012', {
          message: `client port ${port} (port base ${base} + ${i}) is not a valid TCP port`,
          fix: `pass a --port-base between 1 and ${65536 - clientCount}`,
        });
      }
      try {
        held.push(await listen(port));
      } catch (e) {
        throw new JkError('JK4002', {
          message: `client port 127.0.0.1:${port} is busy (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          fix: `pass another --port-base, or stop whatever holds port ${port} (e.g. \`ss -ltnp 'sport = :${port}'\`, or \`jetkeeper down\` for a cluster of ours)`,
          cause: e,
        });
      }
      clients.push(port);
    }
    const free = async (): Promise<number> => {
      const srv = await listen(0);
      held.push(srv);
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') throw new Error('no port from the OS');
      return addr.port;
    };
    while (clients.length < clientCount) clients.push(await free());
    const others: number[] = [];
    for (let i = 0; i < otherCount; i++) others.push(await free());
    return { clients, others };
  } finally {
    await Promise.all(held.map(close));
  }
}

// ---------------------------------------------------------------------------------------------
// config

function q(s: string): string {
  // NATS config strings take JSON-style escapes.
  return JSON.stringify(s);
}

interface NodePlan {
  name: string;
  clientPort: number;
  monitorPort: number;
  routePort: number | null;
  dir: string;
  configFile: string;
  logFile: string;
  storeDir: string;
}

function renderConfig(n: NodePlan, clusterName: string, all: NodePlan[]): string {
  const lines = [
    '# written by jetkeeper; regenerated by `jetkeeper up`',
    `server_name: ${q(n.name)}`,
    `listen: ${q(`127.0.0.1:${n.clientPort}`)}`,
    `http: ${q(`127.0.0.1:${n.monitorPort}`)}`,
    '',
    'jetstream {',
    `  store_dir: ${q(n.storeDir)}`,
    '  max_memory_store: 1GB',
    '  max_file_store: 10GB',
    '}',
  ];
  if (n.routePort !== null) {
    lines.push(
      '',
      'cluster {',
      `  name: ${q(clusterName)}`,
      `  listen: ${q(`127.0.0.1:${n.routePort}`)}`,
      '  routes: [',
      ...all.map((o) => `    ${q(`nats://127.0.0.1:${o.routePort}`)}`),
      '  ]',
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

function spawnServer(bin: string, s: { configFile: string; logFile: string }, detached: boolean): ChildProcess {
  const fd = openSync(s.logFile, 'a');
  try {
    const child = spawn(bin, ['-c', s.configFile], {
      stdio: ['ignore', fd, fd],
      detached,
      windowsHide: true,
    });
    // Never keep this process alive for the servers: `up` exits, tests stop them in after() and
    // their helpers kill them on exit.
    child.unref();
    // spawn errors (ENOENT, EACCES) arrive as events; readiness polling reports them.
    child.on('error', () => {});
    return child;
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// readiness

interface JszMeta {
  leader?: string;
  cluster_size?: number;
}
interface Jsz {
  disabled?: boolean;
  config?: unknown;
  meta_cluster?: JszMeta;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T | undefined }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const text = await res.text();
  let body: T | undefined;
  try {
    body = JSON.parse(text) as T;
  } catch {
    body = undefined;
  }
  return { status: res.status, body };
}

/** Why a server is not ready yet, or undefined when it is. */
async function notReadyReason(s: ServerState, clustered: boolean): Promise<string | undefined> {
  try {
    const h = await getJson<{ status?: string; error?: string }>(`${s.monitorUrl}/healthz`);
    if (h.status !== 200) return `/healthz ${h.status}${h.body?.error ? `: ${h.body.error}` : ''}`;
    const j = await getJson<Jsz>(`${s.monitorUrl}/jsz`);
    if (j.status !== 200 || !j.body) return `/jsz ${j.status}`;
    if (j.body.disabled || j.body.config === undefined) return 'JetStream is not enabled';
    if (clustered && !j.body.meta_cluster?.leader) return 'no JetStream meta leader yet';
    return undefined;
  } catch (e) {
    return `monitor endpoint ${s.monitorUrl} not answering (${(e as Error).message})`;
  }
}

// ---------------------------------------------------------------------------------------------
// the cluster

/** A running local cluster. Its state is mirrored in `<dir>/cluster.json`. */
export class LocalCluster {
  readonly dir: string;
  #state: ClusterState;
  /** children this process spawned, to notice early exits and reap them */
  readonly #children = new Map<string, ChildProcess>();
  readonly #exited = new Map<string, string>();
  readonly #detached: boolean;

  constructor(dir: string, state: ClusterState, detached = true) {
    this.dir = resolve(dir);
    this.#state = state;
    this.#detached = detached;
  }

  get name(): string {
    return this.#state.name;
  }
  get bin(): string {
    return this.#state.bin;
  }
  get version(): string {
    return this.#state.version;
  }
  get servers(): readonly ServerState[] {
    return this.#state.servers;
  }
  /** client URLs, `nats://127.0.0.1:<port>`, one per server */
  get urls(): string[] {
    return this.#state.servers.map((s) => s.clientUrl);
  }
  get state(): ClusterState {
    return structuredClone(this.#state);
  }
  get contextFile(): string {
    return contextFile(this.dir);
  }

  server(name: string): ServerState {
    const s = this.#state.servers.find((x) => x.name === name);
    if (!s) {
      throw new JkError('JK1012', {
        message: `no server ${JSON.stringify(name)} in local cluster ${this.name}; servers: ${this.#state.servers.map((x) => x.name).join(', ')}`,
      });
    }
    return s;
  }

  /** Which servers are live processes of ours. */
  running(): Record<string, boolean> {
    return Object.fromEntries(this.#state.servers.map((s) => [s.name, isOurServer(s.pid, s.configFile)]));
  }

  /** @internal */
  spawn(s: ServerState): void {
    this.#exited.delete(s.name);
    const child = spawnServer(this.#state.bin, s, this.#detached);
    if (child.pid === undefined) {
      // spawn failed synchronously (e.g. ENOENT): the error event carries the reason.
      this.#exited.set(s.name, 'could not be started');
    } else {
      s.pid = child.pid;
    }
    this.#children.set(s.name, child);
    child.once('error', (e) => this.#exited.set(s.name, `could not be started: ${e.message}`));
    child.once('exit', (code, sig) => {
      if (this.#children.get(s.name) === child) {
        this.#exited.set(s.name, sig ? `was killed by ${sig}` : `exited with code ${code}`);
      }
    });
  }

  #writeState(): void {
    writeJsonAtomic(clusterStateFile(this.dir), this.#state);
  }

  /** @internal */
  writeFiles(): void {
    this.#writeState();
    // nats CLI context: `nats --context <dir>/context.json ...`
    writeJsonAtomic(contextFile(this.dir), {
      description: 'jetkeeper local cluster',
      url: this.urls.join(','),
    });
  }

  /**
   * Polls every server (or those named) until /healthz is ok, JetStream is enabled and, for more than
   * one server, /jsz names a meta leader. JK4003 on timeout or when a server process is gone.
   */
  async waitReady(opts: { timeoutMs?: number; only?: string[] } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const clustered = this.#state.servers.length > 1;
    const targets = this.#state.servers.filter((s) => !opts.only || opts.only.includes(s.name));
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(targets.map((s) => s.name));
    let reasons = new Map<string, string>();
    for (;;) {
      for (const s of targets) {
        // our own children report their exit; servers started by another process are checked by pid
        const why = this.#children.has(s.name)
          ? this.#exited.get(s.name)
          : isOurServer(s.pid, s.configFile)
            ? undefined
            : 'is not running';
        if (why !== undefined) {
          throw new JkError('JK4003', {
            message: `nats-server ${s.name} of local cluster ${this.name} ${why}; last lines of ${s.logFile}:\n${logTail(s.logFile)}`,
            fix: 'read the log above; `jetkeeper down --purge` and `jetkeeper up` start from scratch',
          });
        }
      }
      const results = await Promise.all(
        [...pending].map(async (name) => [name, await notReadyReason(this.server(name), clustered)] as const),
      );
      reasons = new Map();
      for (const [name, why] of results) {
        if (why === undefined) pending.delete(name);
        else reasons.set(name, why);
      }
      if (pending.size === 0) {
        // a server can report ready just before another loses the leader; a final sweep keeps it honest
        if (clustered && targets.length > 0) {
          const again = await Promise.all(targets.map((s) => notReadyReason(s, clustered)));
          if (again.some((w) => w !== undefined)) {
            targets.forEach((s, i) => again[i] !== undefined && pending.add(s.name));
            continue;
          }
        }
        return;
      }
      if (Date.now() >= deadline) {
        const first = this.server([...pending][0]!);
        throw new JkError('JK4003', {
          message:
            `local cluster ${this.name} not ready after ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 100) / 10}s` : `${timeoutMs}ms`}: ` +
            [...reasons].map(([n, w]) => `${n}: ${w}`).join('; ') +
            `; last lines of ${first.logFile}:\n${logTail(first.logFile)}`,
          fix: 'read the server logs in the cluster dir; `jetkeeper down --purge` and `jetkeeper up` start from scratch',
        });
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Sends `signal` (default SIGKILL) to one server and waits until it is gone (up to 10s).
   * Does nothing when that server is not running.
   */
  async killServer(name: string, sig: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const s = this.server(name);
    if (!isOurServer(s.pid, s.configFile)) return;
    // a kill we asked for is not an "early exit"
    this.#children.delete(name);
    signal(s.pid, sig);
    await waitGone(s, 10_000);
  }

  /**
   * Starts one server again with the same config (stopping it first if it still runs), records its new
   * pid in cluster.json and waits until it is ready (healthy, JetStream on, a meta leader known).
   */
  async restartServer(name: string, opts: { timeoutMs?: number } = {}): Promise<void> {
    const s = this.server(name);
    if (isOurServer(s.pid, s.configFile)) {
      this.#children.delete(name);
      await stopServer(s);
    }
    this.spawn(s);
    if (existsSync(this.dir)) this.#writeState();
    await this.waitReady({ timeoutMs: opts.timeoutMs, only: [name] });
  }

  /** Stops every server (SIGTERM, SIGKILL after ~5s), removes cluster.json/context.json; purge removes the dir. */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.#children.clear();
    await stopServers(this.#state.servers);
    removeStateFiles(this.dir, opts.purge);
  }

  /** Synchronous SIGKILL of every server still ours: for process 'exit' handlers only. */
  killAllSync(): void {
    for (const s of this.#state.servers) {
      if (isOurServer(s.pid, s.configFile)) signal(s.pid, 'SIGKILL');
    }
  }
}

/** A LocalCluster object for the cluster recorded in `<dir>/cluster.json` (JK4004 when none). */
export function openCluster(dir: string): LocalCluster {
  return new LocalCluster(dir, readClusterState(dir));
}

/**
 * Starts `servers` nats-servers (1, 3 or 5) as a cluster in `dir` and waits until they are ready.
 * JK4005 when `dir` already has a running cluster, JK4002 when a requested client port is busy,
 * JK4003 when a server exits or the cluster is not ready in time (everything started is stopped again).
 */
export async function startCluster(opts: StartClusterOptions): Promise<LocalCluster> {
  const n = opts.servers;
  if (![1, 3, 5].includes(n)) {
    throw new JkError('JK1012', {
      message: `a local cluster has 1, 3 or 5 servers, not ${n}`,
      fix: 'pass --servers 1, 3 or 5',
    });
  }
  const dir = resolve(opts.dir);
  const clusterName = opts.name ?? DEFAULT_CLUSTER_NAME;
  if (!/^[A-Za-z0-9_-]+$/.test(clusterName)) {
    throw new JkError('JK1012', {
      message: `cluster name ${JSON.stringify(clusterName)} may only hold letters, digits, '-' and '_'`,
      fix: 'pass another --name',
    });
  }

  if (existsSync(clusterStateFile(dir))) {
    let prev: ClusterState | undefined;
    try {
      prev = readClusterState(dir);
    } catch {
      prev = undefined; // unreadable state: nothing we could stop anyway
    }
    const live = prev?.servers.filter((s) => isOurServer(s.pid, s.configFile)) ?? [];
    if (live.length > 0) {
      throw new JkError('JK4005', {
        message: `a local cluster is already running in ${dir} (${live.map((s) => `${s.name} pid ${s.pid} ${s.clientUrl}`).join(', ')})`,
        fix: 'run `jetkeeper down` first (or use another --dir)',
      });
    }
  }

  const version = serverVersion(opts.bin);
  const clustered = n > 1;
  const ports = await allocatePorts(n, clustered ? 2 * n : n, opts.clientPortBase);

  mkdirSync(dir, { recursive: true });
  const plans: NodePlan[] = [];
  for (let i = 0; i < n; i++) {
    const name = `n${i + 1}`;
    const nodeDir = join(dir, name);
    plans.push({
      name,
      clientPort: ports.clients[i]!,
      monitorPort: ports.others[i]!,
      routePort: clustered ? ports.others[n + i]! : null,
      dir: nodeDir,
      configFile: join(nodeDir, 'nats-server.conf'),
      logFile: join(nodeDir, 'server.log'),
      storeDir: join(nodeDir, 'js'),
    });
  }
  for (const p of plans) {
    mkdirSync(p.storeDir, { recursive: true });
    writeFileSync(p.configFile, renderConfig(p, clusterName, plans));
  }

  const state: ClusterState = {
    name: clusterName,
    servers: plans.map((p) => ({
      name: p.name,
      pid: 0,
      clientUrl: `nats://127.0.0.1:${p.clientPort}`,
      monitorUrl: `http://127.0.0.1:${p.monitorPort}`,
      routePort: p.routePort,
      configFile: p.configFile,
      logFile: p.logFile,
      storeDir: p.storeDir,
    })),
    bin: resolve(opts.bin),
    version,
    startedAt: new Date().toISOString(),
  };
  const cluster = new LocalCluster(dir, state, opts.detached ?? false);
  try {
    for (const s of state.servers) cluster.spawn(s);
    // record pids at once, so `jetkeeper down` can clean up even if this process dies while waiting
    cluster.writeFiles();
    await cluster.waitReady({ timeoutMs: opts.readyTimeoutMs });
  } catch (e) {
    await cluster.stop().catch(() => {});
    throw busyPortError(e, state) ?? e;
  }
  return cluster;
}

/** A server that could not bind its port reports it in its log: turn that into JK4002. */
function busyPortError(e: unknown, state: ClusterState): JkError | undefined {
  if (!(e instanceof JkError) || e.code !== 'JK4003') return undefined;
  for (const s of state.servers) {
    const tail = logTail(s.logFile, 40);
    const m = /listen tcp 127\.0\.0\.1:(\d+): bind: address already in use/.exec(tail);
    if (m) {
      return new JkError('JK4002', {
        message: `nats-server ${s.name} could not listen on 127.0.0.1:${m[1]}: the port was taken while the cluster started`,
        fix: `run \`jetkeeper up\` again, pass another --port-base, or stop whatever holds port ${m[1]}`,
        cause: e,
      });
    }
  }
  return undefined;
}
