#!/usr/bin/env node
// Installs the pinned NATS binaries jetkeeper's tests and `jetkeeper up` use, into a cache dir:
//   <cache>/bin/nats-server   nats-server v2.15.2 (go install)
//   <cache>/bin/nats          natscli v0.5.0      (go install)
//   <cache>/debian/nats-server  Debian's nats-server (2.9.10, the oldest supported), for compatibility tests
// <cache> is $JETKEEPER_CACHE or ~/.cache/jetkeeper. Nothing is installed system-wide.
// If Go is absent, Debian's nats-server becomes <cache>/bin/nats-server (with a warning).
// Exits non-zero only when no nats-server at all could be installed.
// Plain Node ESM, no dependencies.

import { spawnSync } from 'node:child_process';
import { copyFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const NATS_SERVER_VERSION = '2.15.2';
const NATSCLI_VERSION = '0.5.0';
const DEBIAN_MIN_VERSION = '2.9.10';

const cache = process.env.JETKEEPER_CACHE || join(homedir(), '.cache', 'jetkeeper');
const binDir = join(cache, 'bin');
const debDir = join(cache, 'debian');

function warn(msg) {
  process.stderr.write(`install-nats: warning: ${msg}\n`);
}

function info(msg) {
  process.stderr.write(`install-nats: ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  return {
    ok: !r.error && r.status === 0,
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    error: r.error,
  };
}

/** `vX.Y.Z` from a binary's `--version` output, or undefined when it cannot run. */
function versionOf(bin) {
  if (!existsSync(bin)) return undefined;
  const r = run(bin, ['--version'], { timeout: 15_000 });
  if (!r.ok) return undefined;
  const m = /v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)/.exec(`${r.stdout}\n${r.stderr}`);
  return m ? m[1] : undefined;
}

function isExecutable(p) {
  try {
    const s = statSync(p);
    return s.isFile() && (s.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function findGo() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'go');
    if (isExecutable(p)) return p;
  }
  if (isExecutable('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  return undefined;
}

/** `go install pkg@version` with GOBIN=<cache>/bin; true when the binary then reports the wanted version. */
function goInstall(go, pkg, version, bin) {
  const target = join(binDir, bin);
  const have = versionOf(target);
  if (have === version) {
    info(`${bin} v${version} already in ${target}`);
    return true;
  }
  info(`go install ${pkg}@v${version} (have ${have ? 'v' + have : 'none'}); this can take a few minutes`);
  const env = { ...process.env, GOBIN: binDir };
  // go needs a HOME/GOPATH; a bare CI environment may lack both.
  if (!env.HOME) env.HOME = homedir();
  const r = run(go, ['install', `${pkg}@v${version}`], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (!r.ok) {
    warn(`go install ${pkg}@v${version} failed (exit ${r.status ?? r.error?.message})`);
    return false;
  }
  const now = versionOf(target);
  if (now !== version) {
    warn(`${target} reports ${now ? 'v' + now : 'no version'} after go install, expected v${version}`);
    return false;
  }
  return true;
}

/** Extract Debian's nats-server into <cache>/debian/nats-server without installing the package. */
function extractDebian() {
  const target = join(debDir, 'nats-server');
  if (versionOf(target)) {
    info(`Debian nats-server already in ${target}`);
    return true;
  }
  if (!run('apt-get', ['--version']).ok || !run('dpkg-deb', ['--version']).ok) {
    warn('apt-get/dpkg-deb not available: skipping the Debian nats-server (optional, used for compatibility tests)');
    return false;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'jetkeeper-deb-'));
  try {
    // apt's _apt sandbox user must be able to write the download dir, or apt warns and runs unsandboxed.
    try {
      chmodSync(tmp, 0o777);
    } catch {
      /* ignore */
    }
    let dl = run('apt-get', ['download', 'nats-server'], { cwd: tmp });
    if (!dl.ok) {
      info('apt-get download nats-server failed; running apt-get update once and retrying');
      const up = run('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (!up.ok) warn(`apt-get update failed: ${up.stderr.trim().split('\n').pop() ?? ''}`);
      dl = run('apt-get', ['download', 'nats-server'], { cwd: tmp });
    }
    if (!dl.ok) {
      warn(`apt-get download nats-server failed: ${dl.stderr.trim().split('\n').pop() ?? ''} (optional: compatibility tests will be skipped)`);
      return false;
    }
    const deb = readdirSync(tmp).find((f) => f.startsWith('nats-server_') && f.endsWith('.deb'));
    if (!deb) {
      warn('apt-get download produced no nats-server .deb');
      return false;
    }
    const root = join(tmp, 'root');
    const x = run('dpkg-deb', ['-x', join(tmp, deb), root]);
    if (!x.ok) {
      warn(`dpkg-deb -x ${deb} failed: ${x.stderr.trim()}`);
      return false;
    }
    const extracted = join(root, 'usr', 'sbin', 'nats-server');
    if (!existsSync(extracted)) {
      warn(`${deb} has no usr/sbin/nats-server`);
      return false;
    }
    mkdirSync(debDir, { recursive: true });
    const partial = `${target}.partial`;
    copyFileSync(extracted, partial);
    chmodSync(partial, 0o755);
    renameSync(partial, target);
    const v = versionOf(target);
    if (!v) {
      warn(`${target} does not run`);
      return false;
    }
    if (v !== DEBIAN_MIN_VERSION) info(`Debian ships nats-server v${v} (jetkeeper's oldest supported is v${DEBIAN_MIN_VERSION})`);
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main() {
  mkdirSync(binDir, { recursive: true });
  const go = findGo();
  let serverOk = false;
  if (go) {
    serverOk = goInstall(go, 'github.com/nats-io/nats-server/v2', NATS_SERVER_VERSION, 'nats-server');
    goInstall(go, 'github.com/nats-io/natscli/nats', NATSCLI_VERSION, 'nats');
  } else {
    warn('go not found on PATH or at /usr/local/go/bin/go: cannot install nats-server v' + NATS_SERVER_VERSION + ' or natscli');
  }

  const debOk = extractDebian();

  const mainServer = join(binDir, 'nats-server');
  if (!serverOk) {
    const existing = versionOf(mainServer);
    if (existing) {
      warn(`keeping the existing ${mainServer} (v${existing}), not the pinned v${NATS_SERVER_VERSION}`);
      serverOk = true;
    } else if (debOk) {
      warn(`using Debian's nats-server as ${mainServer}; some features of v${NATS_SERVER_VERSION} will be missing`);
      const partial = `${mainServer}.partial`;
      copyFileSync(join(debDir, 'nats-server'), partial);
      chmodSync(partial, 0o755);
      renameSync(partial, mainServer);
      serverOk = versionOf(mainServer) !== undefined;
    }
  }

  for (const bin of [mainServer, join(binDir, 'nats'), join(debDir, 'nats-server')]) {
    const v = versionOf(bin);
    console.log(`${bin} ${v ? 'v' + v : 'missing'}`);
  }

  if (!serverOk) {
    process.stderr.write('install-nats: error: no nats-server could be installed (need Go, or apt-get access to Debian\'s nats-server)\n');
    process.exit(1);
  }
}

main();
