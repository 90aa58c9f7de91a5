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
 * Servers listen on 127.0.0.1 only, or, with `netns: true` (`jetkeeper up --netns`), each in a network
 * namespace of its own on a private test network (see netns.ts): `ip netns exec <ns> nats-server -c ...`
 * listening on its namespace address (10.213.N.1x), reachable from this host through one veth. Then
 * cluster.json records the network too and stopping the cluster tears it down.
 * Processes are only ever signalled after checking that the pid is still the nats-server started with
 * that cluster's config file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { JkError } from '../errors.js';
import { serverVersion } from './binary.js';
import { monitorGet, readHealthz, type Jsz } from '../nats/monitor.js';
import { sleep } from '../nats/retry.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { prepareSecure, secureRouteTls, secureServerConfig, type SecureState } from './secure.js';
import {
  createNetwork, healServer, netnsExec, netnsSupport, newPrefix, partitionServer, partitionedServers, processExe, runsInNamespace, teardownPrefixSync,
  type NetnsState,
} from './netns.js';

export const DEFAULT_CLUSTER_NAME = 'jetkeeper';
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const POLL_MS = 100;

export interface ServerState {
  /** server_name, `n1`..`nN` */
  name: string;
  pid: number;
  /** `nats://127.0.0.1:<port>` (netns: `nats://<namespace address>:<port>`) */
  clientUrl: string;
  /** `http://127.0.0.1:<port>` (netns: its namespace address) */
  monitorUrl: string;
  /** netns clusters: the server's network namespace and address */
  netns?: { ns: string; address: string };
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
  /** the test network of a netns cluster (namespaces, bridge, veths, addresses) */
  netns?: NetnsState;
  /** operator mode with TLS (`up --secure`): certificates, key directory, creds per role */
  secure?: SecureState;
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
  /**
   * each server in its own network namespace on a private test network (Linux, root, iproute2), so
   * drills can cut a server's network; the ports are then the same on every server (client 4222 or
   * clientPortBase+i, route 6222, monitor 8222), each on its own address
   */
  netns?: boolean;
  /** aborts a start that is still waiting (everything started is stopped and removed again) */
  signal?: AbortSignal;
  /**
   * operator mode with a full resolver and a system account, TLS on client and route ports (a local
   * CA made with openssl), and creds for the order pipeline's roles (see secure.ts)
   */
  secure?: boolean;
  /** fsync every JetStream write (`jetstream { sync_interval: always }`) instead of the lazy default */
  syncAlways?: boolean;
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
        fix: 'start one with `jetkeeper up`, or give the `dir` it was started with',
        option: 'dir',
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
  // the state files stay when the network cannot be removed, so `down` can try again
  if (state.netns) teardownPrefixSync(state.netns.prefix);
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
        throw new JkError('JK1016', {
          message: `client port ${port} (\`portBase\` ${base} + ${i}) is not a valid TCP port`,
          fix: `choose a \`portBase\` between 1 and ${65536 - clientCount}`,
          option: 'portBase',
        });
      }
      try {
        held.push(await listen(port));
      } catch (e) {
        throw new JkError('JK4002', {
          message: `client port 127.0.0.1:${port} is busy (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          fix: `choose another \`portBase\`, or stop whatever holds port ${port} (e.g. \`ss -ltnp 'sport = :${port}'\`, or \`jetkeeper down\` for a cluster of ours)`,
          option: 'portBase',
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
  /** listen address: 127.0.0.1, or the namespace address */
  host: string;
  clientPort: number;
  monitorPort: number;
  routePort: number | null;
  dir: string;
  configFile: string;
  logFile: string;
  storeDir: string;
}

interface SecureConfig { state: SecureState; preload: Record<string, string> }

function renderConfig(n: NodePlan, clusterName: string, all: NodePlan[], secure?: SecureConfig, syncAlways = false): string {
  const lines = [
    '# written by jetkeeper; regenerated by `jetkeeper up`',
    `server_name: ${q(n.name)}`,
    `listen: ${q(`${n.host}:${n.clientPort}`)}`,
    `http: ${q(`${n.host}:${n.monitorPort}`)}`,
    '',
    'jetstream {',
    `  store_dir: ${q(n.storeDir)}`,
    '  max_memory_store: 1GB',
    '  max_file_store: 10GB',
    ...(syncAlways ? ['  sync_interval: always'] : []),
    '}',
    ...(secure ? secureServerConfig(secure.state, secure.preload, join(n.dir, 'jwt')) : []),
  ];
  if (n.routePort !== null) {
    lines.push(
      '',
      'cluster {',
      `  name: ${q(clusterName)}`,
      `  listen: ${q(`${n.host}:${n.routePort}`)}`,
      '  routes: [',
      ...all.map((o) => `    ${q(`nats://${o.host}:${o.routePort}`)}`),
      '  ]',
      ...(secure ? secureRouteTls(secure.state) : []),
      '}',
    );
  }
  return lines.join('\n') + '\n';
}

function spawnServer(bin: string, s: { name: string; configFile: string; logFile: string }, detached: boolean, net?: NetnsState): ChildProcess {
  const fd = openSync(s.logFile, 'a');
  try {
    // `ip netns exec` enters the namespace and execs nats-server: the child's pid is the server's
    const [cmd, args] = net ? netnsExec(net, s.name, bin, ['-c', s.configFile]) : [bin, ['-c', s.configFile]];
    const child = spawn(cmd, args, {
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

/** Why a server is not ready yet, or undefined when it is. */
async function notReadyReason(s: ServerState, clustered: boolean): Promise<string | undefined> {
  try {
    const h = await readHealthz(s.monitorUrl);
    if (h.status !== 200) return `/healthz ${h.status}${h.body?.error ? `: ${h.body.error}` : ''}`;
    const j = await monitorGet<Jsz>(s.monitorUrl, '/jsz');
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
  /** the certificates, key directory and creds of a secure cluster (`startCluster({ secure: true })`), else undefined */
  get secure(): SecureState | undefined {
    return this.#state.secure ? structuredClone(this.#state.secure) : undefined;
  }
  /** the test network of a netns cluster (`startCluster({ netns: true })`), else undefined */
  get netns(): NetnsState | undefined {
    return this.#state.netns ? structuredClone(this.#state.netns) : undefined;
  }

  #net(): NetnsState {
    if (!this.#state.netns) {
      throw new JkError('JK4007', {
        message: `local cluster ${this.name} in ${this.dir} was not started in network namespaces: its network cannot be cut`,
        fix: 'start it with `jetkeeper up --netns` (root, Linux, iproute2)',
      });
    }
    return this.#state.netns;
  }

  /** netns clusters: cuts server `name` off the network (its bridge port goes down); it keeps running. */
  partitionServer(name: string): void {
    this.server(name);
    partitionServer(this.#net(), name);
  }

  /** netns clusters: connects server `name` again (its bridge port goes up). */
  healServer(name: string): void {
    this.server(name);
    healServer(this.#net(), name);
  }

  /** netns clusters: the servers cut off now; [] for other clusters. */
  partitioned(): string[] {
    return this.#state.netns ? partitionedServers(this.#state.netns) : [];
  }

  server(name: string): ServerState {
    const s = this.#state.servers.find((x) => x.name === name);
    if (!s) {
      throw new JkError('JK4006', {
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
    const child = spawnServer(this.#state.bin, s, this.#detached, this.#state.netns);
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
    const secure = this.#state.secure;
    writeJsonAtomic(contextFile(this.dir), {
      description: secure ? 'jetkeeper local cluster (operator mode, TLS; the jetkeeper controller user)' : 'jetkeeper local cluster',
      url: this.urls.join(','),
      ...(secure ? { creds: secure.controllerCreds, ca: secure.tls.ca } : {}),
    });
  }

  /**
   * Polls every server (or those named) until /healthz is ok, JetStream is enabled and, for more than
   * one server, /jsz names a meta leader. JK4003 on timeout, JK4008 when a server process is gone.
   */
  async waitReady(opts: { timeoutMs?: number; only?: string[]; signal?: AbortSignal } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    const clustered = this.#state.servers.length > 1;
    const targets = this.#state.servers.filter((s) => !opts.only || opts.only.includes(s.name));
    const deadline = Date.now() + timeoutMs;
    const pending = new Set(targets.map((s) => s.name));
    let reasons = new Map<string, string>();
    for (;;) {
      if (opts.signal?.aborted) {
        throw new JkError('JK4009', { message: `interrupted while waiting for local cluster ${this.name} to become ready` });
      }
      for (const s of targets) {
        // our own children report their exit; servers started by another process are checked by pid
        const why = this.#children.has(s.name)
          ? this.#exited.get(s.name)
          : isOurServer(s.pid, s.configFile)
            ? undefined
            : 'is not running';
        if (why !== undefined) {
          throw new JkError('JK4008', {
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
    this.checkNetnsPids([name]);
  }

  /**
   * netns clusters: checks that each recorded pid is the nats-server binary itself (`ip netns exec`
   * execs it, so the spawned pid is the server's) running in its own namespace; JK4010 if not.
   * Nothing to check for other clusters, or where /proc is absent.
   */
  checkNetnsPids(only?: string[]): void {
    if (!this.#state.netns || !existsSync('/proc/self/exe')) return;
    let want: string;
    try {
      want = realpathSync(this.#state.bin);
    } catch {
      return;
    }
    for (const s of this.#state.servers) {
      if (only && !only.includes(s.name)) continue;
      const ns = s.netns?.ns ?? '';
      const exe = processExe(s.pid);
      if (!exe?.startsWith(want) || !runsInNamespace(s.pid, ns)) {
        throw new JkError('JK4010', {
          message: `pid ${s.pid} recorded for ${s.name} is not ${want} in network namespace ${ns} (it runs ${exe ?? 'nothing'})`,
          fix: '`jetkeeper down --purge` and `jetkeeper up --netns` start from scratch',
        });
      }
    }
  }

  /**
   * Stops every server (SIGTERM, SIGKILL after ~5s), removes a netns cluster's network, then
   * cluster.json/context.json; purge removes the dir. When the network cannot be removed the state
   * files stay (so `jetkeeper down` can try again) and the error is thrown.
   */
  async stop(opts: StopOptions = {}): Promise<void> {
    this.#children.clear();
    await stopServers(this.#state.servers);
    if (this.#state.netns) teardownPrefixSync(this.#state.netns.prefix);
    removeStateFiles(this.dir, opts.purge);
  }

  /** Synchronous SIGKILL of every server still ours, and removal of a netns cluster's network: for process 'exit' handlers only. */
  killAllSync(): void {
    for (const s of this.#state.servers) {
      if (isOurServer(s.pid, s.configFile)) signal(s.pid, 'SIGKILL');
    }
    if (this.#state.netns) {
      try {
        teardownPrefixSync(this.#state.netns.prefix);
      } catch {
        /* best effort in an exit handler */
      }
    }
  }
}

/** A LocalCluster object for the cluster recorded in `<dir>/cluster.json` (JK4004 when none). */
export function openCluster(dir: string): LocalCluster {
  return new LocalCluster(dir, readClusterState(dir));
}

/** How a client on this host reaches the cluster: its client URLs, named for messages; `timeoutMs` per request (default 10 s). */
export function clusterSettings(cluster: LocalCluster, timeoutMs = 10_000): ConnectionSettings {
  const s = cluster.secure;
  return { servers: cluster.urls, origin: `the local cluster in ${cluster.dir}`, timeoutMs, ...(s ? { creds: s.controllerCreds, tls: { ca: s.tls.ca } } : {}) };
}

/**
 * Starts `servers` nats-servers (1, 3 or 5) as a cluster in `dir` and waits until they are ready.
 * JK4005 when `dir` already has a running cluster, JK4002 when a requested client port is busy,
 * JK4008 when a server exits, JK4003 when the cluster is not ready in time (everything started is stopped again).
 */
export async function startCluster(opts: StartClusterOptions): Promise<LocalCluster> {
  const n = opts.servers;
  const dir = resolve(opts.dir);
  const clusterName = opts.name ?? DEFAULT_CLUSTER_NAME;
  checkStartOptions(opts, clusterName);
  refuseRunningCluster(dir);

  const version = serverVersion(opts.bin);
  const clustered = n > 1;
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const ports = opts.netns ? netnsPorts(names, opts.clientPortBase) : await allocatePorts(n, clustered ? 2 * n : n, opts.clientPortBase);

  mkdirSync(dir, { recursive: true });
  let net: NetnsState | undefined;
  if (opts.netns) {
    if (opts.signal?.aborted) throw new JkError('JK4009', { message: `interrupted before local cluster ${clusterName} was started` });
    net = createNetwork(names, newPrefix());
  }
  const plans = names.map((name, i): NodePlan => {
    const nodeDir = join(dir, name);
    return {
      name,
      host: net ? net.servers[i]!.address : '127.0.0.1',
      clientPort: ports.clients[i]!,
      monitorPort: ports.others[i]!,
      routePort: clustered ? ports.others[n + i]! : null,
      dir: nodeDir,
      configFile: join(nodeDir, 'nats-server.conf'),
      logFile: join(nodeDir, 'server.log'),
      storeDir: join(nodeDir, 'js'),
    };
  });
  const state: ClusterState = {
    name: clusterName,
    servers: plans.map((p, i) => ({
      name: p.name,
      pid: 0,
      clientUrl: `${opts.secure ? 'tls' : 'nats'}://${p.host}:${p.clientPort}`,
      monitorUrl: `http://${p.host}:${p.monitorPort}`,
      routePort: p.routePort,
      configFile: p.configFile,
      logFile: p.logFile,
      storeDir: p.storeDir,
      ...(net ? { netns: { ns: net.servers[i]!.ns, address: net.servers[i]!.address } } : {}),
    })),
    bin: resolve(opts.bin),
    version,
    startedAt: new Date().toISOString(),
    ...(net ? { netns: net } : {}),
  };
  const secure = opts.secure ? await prepareSecure(dir, state.servers.map((x) => x.clientUrl)) : undefined;
  if (secure) state.secure = secure.state;
  const cluster = new LocalCluster(dir, state, opts.detached ?? false);
  await launch(cluster, plans, opts, secure);
  return cluster;
}

/** The options startCluster refuses before it touches anything. */
function checkStartOptions(opts: StartClusterOptions, clusterName: string): void {
  if (![1, 3, 5].includes(opts.servers)) {
    throw new JkError('JK1016', {
      message: `a local cluster has 1, 3 or 5 servers, not ${opts.servers}`,
      fix: 'choose `servers` 1, 3 or 5',
      option: 'servers',
    });
  }
  if (!/^[A-Za-z0-9_-]+$/.test(clusterName)) {
    throw new JkError('JK1016', {
      message: `cluster name ${JSON.stringify(clusterName)} may only hold letters, digits, '-' and '_'`,
      fix: 'choose another `name`',
      option: 'name',
    });
  }
  if (opts.netns && opts.secure) {
    throw new JkError('JK1016', { message: '`secure` and `netns` cannot be combined: the local certificates name 127.0.0.1 and localhost only', fix: 'choose one of `secure` and `netns`', option: 'secure' });
  }
  if (opts.netns) {
    const support = netnsSupport();
    if (!support.ok) {
      throw new JkError('JK4007', { message: `\`netns\`: ${support.reason}`, fix: 'run as root on Linux with iproute2, or without `netns` (a drill partition then uses SIGSTOP)', option: 'netns' });
    }
  }
}

/** JK4005 when `dir` has a running cluster; the leftover network of a dead netns cluster is removed. */
function refuseRunningCluster(dir: string): void {
  if (!existsSync(clusterStateFile(dir))) return;
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
      fix: 'run `jetkeeper down` first (or use another `dir`)',
      option: 'dir',
    });
  }
  // the network of a netns cluster whose servers are gone (the process that ran it died)
  if (prev?.netns) teardownPrefixSync(prev.netns.prefix);
}

/** In network namespaces every server has an address of its own: the same ports everywhere. */
function netnsPorts(names: string[], base: number | undefined): { clients: number[]; others: number[] } {
  const n = names.length;
  if (base !== undefined && (!Number.isInteger(base) || base < 1 || base + n - 1 > 65535 || [6222, 8222].some((p) => p >= base && p < base + n))) {
    throw new JkError('JK1016', {
      message: `\`portBase\` ${base}: client ports must be valid TCP ports other than 6222 (routes) and 8222 (monitor)`,
      fix: 'leave `portBase` out (4222) or choose e.g. `portBase` 14222',
      option: 'portBase',
    });
  }
  return { clients: names.map((_, i) => (base === undefined ? 4222 : base + i)), others: [...names.map(() => 8222), ...names.map(() => 6222)] };
}

/** Writes the configs, spawns the servers and waits until they are ready; stops them all on failure. */
async function launch(cluster: LocalCluster, plans: NodePlan[], opts: StartClusterOptions, secure?: SecureConfig): Promise<void> {
  try {
    for (const p of plans) {
      mkdirSync(p.storeDir, { recursive: true });
      writeFileSync(p.configFile, renderConfig(p, cluster.name, plans, secure, opts.syncAlways));
    }
    for (const s of cluster.servers) cluster.spawn(s);
    // record pids at once, so `jetkeeper down` can clean up even if this process dies while waiting
    cluster.writeFiles();
    await cluster.waitReady({ timeoutMs: opts.readyTimeoutMs, signal: opts.signal });
    cluster.checkNetnsPids();
  } catch (e) {
    try {
      await cluster.stop();
    } catch (te) {
      const first = e instanceof JkError ? e.message : String((e as Error)?.message ?? e);
      throw new JkError(e instanceof JkError ? e.code : 'JK4003', { message: `${first}; cleaning up after it failed too: ${(te as Error).message}`, cause: e });
    }
    throw busyPortError(e, cluster.servers) ?? e;
  }
}

/** A server that could not bind its port reports it in its log: turn that into JK4002. */
function busyPortError(e: unknown, servers: readonly { name: string; logFile: string }[]): JkError | undefined {
  if (!(e instanceof JkError) || (e.code !== 'JK4003' && e.code !== 'JK4008')) return undefined;
  for (const s of servers) {
    const tail = logTail(s.logFile, 40);
    const m = /listen tcp 127\.0\.0\.1:(\d+): bind: address already in use/.exec(tail);
    if (m) {
      return new JkError('JK4002', {
        message: `nats-server ${s.name} could not listen on 127.0.0.1:${m[1]}: the port was taken while the cluster started`,
        fix: `run \`jetkeeper up\` again, choose another \`portBase\`, or stop whatever holds port ${m[1]}`,
        option: 'portBase',
        cause: e,
      });
    }
  }
  return undefined;
}
