#!/usr/bin/env node
// The test command (`npm test`): builds, lints (a lint error fails the run), installs the pinned nats-server / nats CLI if needed,
// then, while the pinned kube-apiserver, etcd, helm and promtool build at low priority (scripts/install-tools.mjs, cached by version),
// runs the integration tests against the newest pinned nats-server and again against Debian's nats-server 2.9.10 (the oldest supported);
// then the unit tests and test/system/ (Kubernetes, controller, metrics, backups, accounts: newest server only).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const run = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  process.stdout.write(r.stdout ?? '');
  return r;
};
const must = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

must('npx', ['tsc', '-p', 'tsconfig.json']);
must('npx', ['eslint', '.']);
must(process.execPath, ['scripts/install-nats.mjs']);

// The Kubernetes and monitoring tools (kube-apiserver, etcd, helm, promtool) build at low priority
// while the integration suites run (they do not need them); unit and system tests wait for them.
const toolsLog = join(process.env.JETKEEPER_CACHE || join(homedir(), '.cache', 'jetkeeper'), 'install-tools.log');
const toolsOut = openSync(toolsLog, 'w');
const tools = new Promise((resolve) => {
  const child = spawn('nice', ['-n', '15', process.execPath, 'scripts/install-tools.mjs'], { stdio: ['ignore', toolsOut, toolsOut] });
  child.on('error', () => resolve(1));
  child.on('exit', (code) => resolve(code ?? 1));
});

const cache = process.env.JETKEEPER_CACHE || join(homedir(), '.cache', 'jetkeeper');
const count = (out, what) => [...out.matchAll(new RegExp(`^# ${what} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

let passed = 0, failed = 0, skipped = 0, ok = true;
const suite = (label, dirs, env) => {
  console.log(`\n=== ${label} ===`);
  const r = run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...dirs], env);
  passed += count(r.stdout, 'pass');
  failed += count(r.stdout, 'fail');
  skipped += count(r.stdout, 'skipped');
  if (r.status !== 0) ok = false;
};

suite('integration tests, nats-server from the cache (newest pinned)', ['dist/test/integration/'], {});
const debian = join(cache, 'debian', 'nats-server');
if (existsSync(debian)) suite("integration tests against Debian's nats-server (oldest supported)", ['dist/test/integration/'], { JETKEEPER_TEST_NATS_SERVER: debian });
else console.log(`\n(no ${debian}: the oldest-server run is skipped)`);

const toolsCode = await tools;
console.log(`\n=== kube-apiserver, etcd, helm, promtool (scripts/install-tools.mjs, exit ${toolsCode}) ===`);
process.stdout.write(readFileSync(toolsLog, 'utf8').split('\n').filter((l) => !l.startsWith('go: downloading')).join('\n'));
if (toolsCode !== 0) ok = false;
suite('unit and system tests, nats-server from the cache (newest pinned)', ['dist/test/unit/', 'dist/test/system/'], {});

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
