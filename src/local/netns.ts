/**
 * An isolated test network of Linux network namespaces for a local cluster (`jetkeeper up --netns`),
 * so a drill can cut a server off the network instead of SIGSTOPping it.
 *
 *   host ── <p>h ═ <p>ph ──┐                       (veth host ↔ hub; host end 10.213.N.1/24)
 *                          <p>br  bridge, in namespace <p>hub
 *   <p>n1 ns: <p>e1 ═ <p>p1┘     (veth server ↔ hub; server end 10.213.N.11/24)
 *   <p>n2 ns: <p>e2 ═ <p>p2┘     ...10.213.N.12, and so on
 *
 * `<p>` is `jk-<6 hex>-`, fresh per cluster, so parallel runs never share a name. Everything lives in
 * namespaces this module creates, except the one host veth that lets the jetkeeper process (and its
 * drill clients) reach the servers; its address is on a /24 checked unused by any address or route
 * of the host. Nothing is forwarded or routed anywhere else: the hub bridge only joins our own ends.
 *
 * A partition sets the server's port on the bridge down (`ip -n <p>hub link set <p>pI down`): the
 * server keeps running with its address and sees its link without carrier; whatever it or anyone
 * sends across is dropped, as in a real partition. Healing sets the port up again.
 *
 * Teardown removes, by the run's prefix, the host veth (which deletes its peer) and every namespace
 * (which deletes the bridge and the other veths once no process is left inside). It is idempotent and
 * has a synchronous form for process 'exit' handlers.
 *
 * Linux only, needs root and iproute2 (`ip`). Every `ip` call has a timeout.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { JkError } from '../errors.js';

/** first two octets of the test networks; the third is picked per cluster (see pickSubnet) */
export const NETNS_NET_PREFIX = '10.213';
const IP_TIMEOUT_MS = 10_000;

export interface NetnsServer {
  /** server name, `n1` */
  name: string;
  /** its namespace, `<p>n1` */
  ns: string;
  /** its veth end inside its namespace, `<p>e1` */
  ifname: string;
  /** the other end, a port of the bridge in the hub namespace, `<p>p1`: the one set down to partition */
  port: string;
  /** `10.213.N.11` */
  address: string;
}

export interface NetnsState {
  /** `jk-<6 hex>-`: every namespace and link of this network starts with it */
  prefix: string;
  /** `10.213.N.0/24` */
  subnet: string;
  /** namespace holding the bridge */
  hub: string;
  bridge: string;
  /** host end of the host ↔ hub veth */
  hostIf: string;
  /** `10.213.N.1` */
  hostAddress: string;
  servers: NetnsServer[];
}

// ---------------------------------------------------------------------------------------------
// running ip

const IP_CANDIDATES = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'];

/** The iproute2 `ip` binary, or undefined. */
export function ipBinary(): string | undefined {
  return IP_CANDIDATES.find((p) => existsSync(p));
}

function ipOrThrow(): string {
  const ip = ipBinary();
  if (!ip) throw new JkError('JK4007', { message: `\`netns\` needs iproute2 (\`ip\`), not found at ${IP_CANDIDATES.join(', ')}`, fix: 'install iproute2, or run without `netns`', option: 'netns' });
  return ip;
}

class IpError extends Error {
  constructor(readonly args: string[], readonly stderr: string) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || 'failed'}`);
  }
}

/** Runs `ip <args>` and returns its stdout; IpError (with stderr) on failure. */
function ip(args: string[]): string {
  try {
    return execFileSync(ipOrThrow(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: IP_TIMEOUT_MS });
  } catch (e) {
    if (e instanceof JkError) throw e;
    const err = e as { stderr?: string | Buffer; message?: string };
    throw new IpError(args, String(err.stderr ?? '') || String(err.message ?? e));
  }
}

/** `ip` for teardown: "does not exist" counts as done. */
function ipGone(args: string[]): void {
  try {
    ip(args);
  } catch (e) {
    if (e instanceof IpError && /cannot find|does not exist|no such|not found/i.test(e.stderr)) return;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// support

export type NetnsSupport = { ok: true } | { ok: false; reason: string };

/** Cheap check: Linux, root, `ip` found and `ip netns list` works. */
export function netnsSupport(): NetnsSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (`ip netns add` is privileged); this process is not root' };
  if (!ipBinary()) return { ok: false, reason: `iproute2 \`ip\` not found (${IP_CANDIDATES.join(', ')})` };
  try {
    ip(['netns', 'list']);
  } catch (e) {
    return { ok: false, reason: `\`ip netns list\` fails: ${(e as Error).message}` };
  }
  return { ok: true };
}

/**
 * Full check that this machine allows what a netns cluster needs: a namespace, a bridge and a veth in
 * it, and `ip netns exec`. Creates `jk-<id>-probe` and removes it again.
 */
export function probeNetns(): NetnsSupport {
  const cheap = netnsSupport();
  if (!cheap.ok) return cheap;
  const prefix = newPrefix();
  const ns = `${prefix}probe`;
  try {
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'add', `${prefix}br`, 'type', 'bridge']);
    ip(['-n', ns, 'link', 'add', `${prefix}a`, 'type', 'veth', 'peer', 'name', `${prefix}b`]);
    ip(['-n', ns, 'link', 'set', `${prefix}a`, 'master', `${prefix}br`, 'up']);
    ip(['netns', 'exec', ns, ipOrThrow(), 'link', 'show', 'lo']);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `this machine does not allow \`ip netns\` with a bridge and veth: ${(e as Error).message}` };
  } finally {
    try {
      teardownPrefixSync(prefix);
    } catch {
      /* reported by leftovers() to whoever checks */
    }
  }
}

// ---------------------------------------------------------------------------------------------
// subnet

interface Net { addr: number; len: number; what: string }

function parseV4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) >>> 0) + (o[1]! << 16) + (o[2]! << 8) + o[3]!;
}

function mask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function overlaps(a: Net, b: Net): boolean {
  const len = Math.min(a.len, b.len);
  return ((a.addr & mask(len)) >>> 0) === ((b.addr & mask(len)) >>> 0);
}

/** Every IPv4 address and route of the host (all tables), except default routes. */
function hostNets(exceptDev?: string): Net[] {
  const nets: Net[] = [];
  const addrs = JSON.parse(ip(['-j', '-4', 'addr', 'show']) || '[]') as { ifname: string; addr_info?: { family?: string; local?: string; prefixlen?: number }[] }[];
  for (const link of addrs) {
    if (link.ifname === exceptDev) continue;
    for (const a of link.addr_info ?? []) {
      const addr = a.local !== undefined ? parseV4(a.local) : undefined;
      if (addr !== undefined) nets.push({ addr, len: a.prefixlen ?? 32, what: `address ${a.local}/${a.prefixlen} on ${link.ifname}` });
    }
  }
  const routes = JSON.parse(ip(['-j', '-4', 'route', 'show', 'table', 'all']) || '[]') as { dst?: string; dev?: string; table?: string }[];
  for (const r of routes) {
    if (!r.dst || r.dst === 'default' || r.dev === exceptDev) continue;
    const [a, l] = r.dst.split('/');
    const addr = parseV4(a!);
    const len = l === undefined ? 32 : Number(l);
    if (addr === undefined || !(len > 0)) continue;
    nets.push({ addr, len, what: `route ${r.dst}${r.dev ? ` dev ${r.dev}` : ''}${r.table ? ` table ${r.table}` : ''}` });
  }
  return nets;
}

function subnetNet(third: number): Net {
  return { addr: parseV4(`${NETNS_NET_PREFIX}.${third}.0`)!, len: 24, what: '' };
}

/** What on the host already uses `10.213.<third>.0/24`, if anything (addresses and routes of other devices). */
export function subnetConflict(third: number, exceptDev?: string): string | undefined {
  const mine = subnetNet(third);
  return hostNets(exceptDev).find((n) => overlaps(n, mine))?.what;
}

/** A third octet whose 10.213.x.0/24 no host address or route touches, picked at random. */
export function pickSubnet(): number {
  const nets = hostNets();
  const free: number[] = [];
  for (let x = 1; x < 255; x++) if (!nets.some((n) => overlaps(n, subnetNet(x)))) free.push(x);
  if (!free.length) {
    throw new JkError('JK4007', {
      option: 'netns',
      message: `no free ${NETNS_NET_PREFIX}.x.0/24 for a netns cluster: the host's addresses or routes cover all of ${NETNS_NET_PREFIX}.0.0/16 (${nets.find((n) => overlaps(n, { addr: parseV4(`${NETNS_NET_PREFIX}.0.0`)!, len: 16, what: '' }))?.what})`,
      fix: 'run without `netns` (the drill then simulates a partition with SIGSTOP)',
    });
  }
  return free[Math.floor(Math.random() * free.length)]!;
}

// ---------------------------------------------------------------------------------------------
// create, partition, heal, teardown

/** `jk-<6 hex>-` */
export function newPrefix(): string {
  return `jk-${randomBytes(3).toString('hex')}-`;
}

function plan(prefix: string, third: number, serverNames: string[]): NetnsState {
  const net = `${NETNS_NET_PREFIX}.${third}`;
  return {
    prefix,
    subnet: `${net}.0/24`,
    hub: `${prefix}hub`,
    bridge: `${prefix}br`,
    hostIf: `${prefix}h`,
    hostAddress: `${net}.1`,
    servers: serverNames.map((name, i) => ({
      name,
      ns: `${prefix}${name}`,
      ifname: `${prefix}e${i + 1}`,
      port: `${prefix}p${i + 1}`,
      address: `${net}.${10 + i + 1}`,
    })),
  };
}

/**
 * Creates the network for `serverNames` (at most 200): hub namespace with a bridge, host veth, one
 * namespace per server. Picks a free /24 and checks again once its host address is up (another run
 * may have picked the same at the same time); retries a few times. On failure removes what it made.
 */
export function createNetwork(serverNames: string[], prefix = newPrefix()): NetnsState {
  const support = netnsSupport();
  if (!support.ok) throw new JkError('JK4007', { message: `\`netns\`: ${support.reason}`, fix: 'run as root on Linux with iproute2, or without `netns` (a drill partition then uses SIGSTOP)', option: 'netns' });
  if (!/^jk-[0-9a-f]{6}-$/.test(prefix)) throw new Error(`bad netns prefix ${prefix}`);
  let lastConflict = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const st = plan(prefix, pickSubnet(), serverNames);
    try {
      ip(['netns', 'add', st.hub]);
      ip(['-n', st.hub, 'link', 'add', st.bridge, 'type', 'bridge']);
      ip(['-n', st.hub, 'link', 'set', st.bridge, 'up']);
      ip(['link', 'add', st.hostIf, 'type', 'veth', 'peer', 'name', `${prefix}ph`, 'netns', st.hub]);
      ip(['-n', st.hub, 'link', 'set', `${prefix}ph`, 'master', st.bridge, 'up']);
      ip(['addr', 'add', `${st.hostAddress}/24`, 'dev', st.hostIf]);
      ip(['link', 'set', st.hostIf, 'up']);
      const conflict = subnetConflict(Number(st.hostAddress.split('.')[2]), st.hostIf);
      if (conflict) {
        lastConflict = `${st.subnet} taken meanwhile by ${conflict}`;
        teardownPrefixSync(prefix);
        continue;
      }
      for (const s of st.servers) {
        ip(['netns', 'add', s.ns]);
        ip(['-n', s.ns, 'link', 'set', 'lo', 'up']);
        ip(['-n', st.hub, 'link', 'add', s.port, 'type', 'veth', 'peer', 'name', s.ifname, 'netns', s.ns]);
        ip(['-n', st.hub, 'link', 'set', s.port, 'master', st.bridge, 'up']);
        ip(['-n', s.ns, 'addr', 'add', `${s.address}/24`, 'dev', s.ifname]);
        ip(['-n', s.ns, 'link', 'set', s.ifname, 'up']);
      }
      return st;
    } catch (e) {
      try {
        teardownPrefixSync(prefix);
      } catch {
        /* the error below matters more */
      }
      if (e instanceof JkError) throw e;
      throw new JkError('JK4010', {
        message: `could not create the network namespaces for a netns cluster: ${(e as Error).message}`,
        fix: 'run as root on a machine that allows `ip netns` with veth and bridge, or without `netns`',
        option: 'netns',
        cause: e,
      });
    }
  }
  throw new JkError('JK4010', { message: `could not find a free subnet for a netns cluster: ${lastConflict}`, fix: 'try again, or run without `netns`', option: 'netns' });
}

function serverOf(st: NetnsState, name: string): NetnsServer {
  const s = st.servers.find((x) => x.name === name);
  if (!s) throw new JkError('JK4006', { message: `no server ${JSON.stringify(name)} in the netns network ${st.prefix}` });
  return s;
}

/** `ip` on the cluster's network: JK4010 (with the fix) when it fails, e.g. when not run as root. */
function ipOnNetwork(st: NetnsState, what: string, args: string[]): string {
  try {
    return ip(args);
  } catch (e) {
    if (e instanceof JkError) throw e;
    throw new JkError('JK4010', {
      message: `cannot ${what} in the cluster's network namespaces (${st.prefix}*): ${(e as Error).message}`,
      fix: process.getuid?.() === 0 ? '`jetkeeper down` and `jetkeeper up --netns` start from scratch' : 'run it as root: the cluster was started in network namespaces',
      cause: e,
    });
  }
}

/** Cuts `name` off the network: its port on the bridge goes down. */
export function partitionServer(st: NetnsState, name: string): void {
  ipOnNetwork(st, `cut ${name} off the network`, ['-n', st.hub, 'link', 'set', serverOf(st, name).port, 'down']);
}

/** Connects `name` again: its port on the bridge goes up. */
export function healServer(st: NetnsState, name: string): void {
  ipOnNetwork(st, `connect ${name} again`, ['-n', st.hub, 'link', 'set', serverOf(st, name).port, 'up']);
}

/** Servers whose bridge port is down. */
export function partitionedServers(st: NetnsState): string[] {
  const links = JSON.parse(ipOnNetwork(st, 'list the links', ['-n', st.hub, '-j', 'link', 'show']) || '[]') as { ifname: string; flags?: string[] }[];
  return st.servers.filter((s) => {
    const l = links.find((x) => x.ifname === s.port);
    return !l || !(l.flags ?? []).includes('UP');
  }).map((s) => s.name);
}

/** Namespaces and host links whose names start with `prefix`. */
export function leftovers(prefix: string): { namespaces: string[]; links: string[] } {
  // `ip netns list` prints `name` or `name (id: 3)`
  const namespaces = ip(['netns', 'list']).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(prefix));
  const links = (JSON.parse(ip(['-j', 'link', 'show']) || '[]') as { ifname: string }[]).map((l) => l.ifname).filter((n) => n.startsWith(prefix));
  return { namespaces, links };
}

/**
 * Removes every namespace and host link of `prefix` (stop the servers first: a namespace with a process
 * inside lives on, unnamed, until that process exits). Idempotent. Throws when something is left.
 */
export function teardownPrefixSync(prefix: string): void {
  if (!/^jk-[0-9a-f]{6}-$/.test(prefix)) throw new Error(`refusing to tear down ${JSON.stringify(prefix)}: not a jetkeeper netns prefix`);
  if (!ipBinary()) return;
  const errors: string[] = [];
  const before = leftovers(prefix);
  // host links first (deleting a veth end deletes its peer in the hub), then the namespaces, hub last
  for (const l of before.links) {
    try {
      ipGone(['link', 'del', l]);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  const hub = `${prefix}hub`;
  for (const ns of [...before.namespaces.filter((n) => n !== hub), ...before.namespaces.filter((n) => n === hub)]) {
    try {
      ipGone(['netns', 'del', ns]);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  const left = leftovers(prefix);
  if (left.namespaces.length || left.links.length) {
    throw new JkError('JK4010', {
      message: `network namespaces/links of ${prefix} left behind: ${[...left.namespaces.map((n) => `netns ${n}`), ...left.links.map((n) => `link ${n}`)].join(', ')}${errors.length ? ` (${errors.join('; ')})` : ''}`,
      fix: `remove them with \`ip netns del <name>\` / \`ip link del <name>\``,
    });
  }
}

/** Removes the whole network (see teardownPrefixSync). */
export function teardownNetwork(st: NetnsState): void {
  teardownPrefixSync(st.prefix);
}

/** `ip netns exec <ns> <bin> <args>` as [command, args]: ip execs, so the spawned pid becomes `bin`'s. */
export function netnsExec(st: NetnsState, name: string, bin: string, args: string[]): [string, string[]] {
  return [ipOrThrow(), ['netns', 'exec', serverOf(st, name).ns, bin, ...args]];
}

/** True when process `pid` runs `bin` (after ip's exec) inside namespace `ns`. */
export function runsInNamespace(pid: number, ns: string): boolean {
  try {
    const mine = statSync(`/proc/${pid}/ns/net`);
    const theirs = statSync(`/run/netns/${ns}`);
    return mine.ino === theirs.ino && mine.dev === theirs.dev;
  } catch {
    return false;
  }
}

/** The executable of `pid` (`/proc/<pid>/exe`), or undefined. */
export function processExe(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}
