#!/usr/bin/env node
// Installs the pinned tools the Kubernetes and monitoring tests use, into <cache>/bin (cached by version):
//   kube-apiserver  k8s.io/kubernetes v1.37.2         (built from a scratch Go module: its staging modules are replaced by their published v0.37.2)
//   etcd            go.etcd.io/etcd/server/v3 v3.6.8  (a scratch module whose main calls etcdmain.Main; `go install` of etcd fails on its replaces)
//   helm            helm.sh/helm/v3 v3.22.0           (go install)
//   promtool        github.com/prometheus/prometheus v0.316.0 (go install)
// <cache> is $JETKEEPER_CACHE or ~/.cache/jetkeeper. A stamp file <bin>.version records what was built, so a rerun builds nothing.
// Usage: node scripts/install-tools.mjs [kube-apiserver|etcd|helm|promtool ...]   (default: all)
// A tool that cannot be built makes the exit code 1 (the tests that need it skip and say so). Nothing is installed system-wide.
// Plain Node ESM, no dependencies.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const KUBERNETES_VERSION = '1.37.2';
const STAGING_VERSION = '0.37.2';
const ETCD_VERSION = '3.6.8';
const HELM_VERSION = '3.22.0';
const PROMETHEUS_VERSION = '0.316.0';

const cache = process.env.JETKEEPER_CACHE || join(homedir(), '.cache', 'jetkeeper');
const binDir = join(cache, 'bin');

const info = (msg) => process.stderr.write(`install-tools: ${msg}\n`);
const warn = (msg) => process.stderr.write(`install-tools: warning: ${msg}\n`);

function go(args, opts = {}) {
  const env = { ...process.env, GOBIN: binDir, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  if (!env.HOME) env.HOME = homedir();
  const r = spawnSync('go', args, { encoding: 'utf8', env, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  return !r.error && r.status === 0;
}

function haveGo() {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

const stampOf = (bin) => join(binDir, `${bin}.version`);
function cached(bin, version) {
  const stamp = stampOf(bin);
  return existsSync(join(binDir, bin)) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === version;
}
const markBuilt = (bin, version) => writeFileSync(stampOf(bin), `${version}\n`);

/** Build `pkg` inside a scratch module made by `setup(dir)`, output to <cache>/bin/<bin>. */
function buildInScratch(bin, version, setup, pkg) {
  const dir = mkdtempSync(join(tmpdir(), `jetkeeper-${bin}-`));
  try {
    setup(dir);
    if (!go(['mod', 'tidy'], { cwd: dir })) return false;
    return go(['build', '-trimpath', '-ldflags=-s -w', '-o', join(binDir, bin), pkg], { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The staging modules that k8s.io/kubernetes's go.mod replaces with ./staging/... */
function stagingModules() {
  const r = spawnSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${KUBERNETES_VERSION}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go mod download k8s.io/kubernetes@v${KUBERNETES_VERSION} failed: ${r.stderr}`);
  const gomod = readFileSync(JSON.parse(r.stdout).GoMod, 'utf8');
  return [...gomod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]);
}

function kubeApiserver() {
  return buildInScratch('kube-apiserver', KUBERNETES_VERSION, (dir) => {
    const replaces = stagingModules().map((m) => `replace ${m} => ${m} v${STAGING_VERSION}`).join('\n');
    writeFileSync(join(dir, 'go.mod'), `module jetkeeper.local/kubeapiserver\n\ngo 1.26\n\nrequire k8s.io/kubernetes v${KUBERNETES_VERSION}\n\n${replaces}\n`);
    writeFileSync(join(dir, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver"\n');
  }, 'k8s.io/kubernetes/cmd/kube-apiserver');
}

function etcd() {
  return buildInScratch('etcd', ETCD_VERSION, (dir) => {
    writeFileSync(join(dir, 'go.mod'), `module jetkeeper.local/etcd\n\ngo 1.26\n\nrequire go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\n`);
    writeFileSync(join(dir, 'main.go'), 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n');
  }, '.');
}

const helm = () => go(['install', `helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}`]);
const promtool = () => go(['install', `github.com/prometheus/prometheus/cmd/promtool@v${PROMETHEUS_VERSION}`]);

const TOOLS = {
  'kube-apiserver': [KUBERNETES_VERSION, kubeApiserver],
  etcd: [ETCD_VERSION, etcd],
  helm: [HELM_VERSION, helm],
  promtool: [PROMETHEUS_VERSION, promtool],
};

function install(name) {
  const [version, build] = TOOLS[name];
  if (cached(name, version)) {
    info(`${name} v${version} already in ${join(binDir, name)}`);
    return true;
  }
  info(`building ${name} v${version}; the first time this takes a few minutes`);
  const started = Date.now();
  let ok = false;
  try {
    ok = build();
  } catch (e) {
    warn(String(e?.message ?? e));
  }
  if (!ok) {
    warn(`${name} v${version} could not be built: the tests that need it will skip`);
    return false;
  }
  markBuilt(name, version);
  info(`${name} v${version} built in ${Math.round((Date.now() - started) / 1000)} s`);
  return true;
}

function main() {
  mkdirSync(binDir, { recursive: true });
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(TOOLS);
  const unknown = names.filter((n) => !TOOLS[n]);
  if (unknown.length) {
    process.stderr.write(`install-tools: error: unknown tool(s) ${unknown.join(', ')}; known: ${Object.keys(TOOLS).join(', ')}\n`);
    process.exit(2);
  }
  if (!haveGo()) {
    warn('go not found on PATH: cannot build ' + names.join(', ') + '; the tests that need them will skip');
    process.exit(1);
  }
  let failed = 0;
  for (const n of names) {
    const ok = install(n);
    if (!ok) failed++;
    console.log(`${join(binDir, n)} ${ok ? 'v' + TOOLS[n][0] : 'missing'}`);
  }
  if (failed) process.exit(1);
}

main();
