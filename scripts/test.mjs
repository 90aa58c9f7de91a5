#!/usr/bin/env node
// The test command (`npm test`): builds, lints (a lint error fails the run), installs the pinned nats-server / nats CLI if needed,
// then runs two lanes at once. One: the integration tests against the newest pinned nats-server, the system tests that need no
// extra tools, and the integration tests again against Debian's nats-server 2.9.10 (the oldest supported). Two: once the pinned
// kube-apiserver, etcd, helm and promtool are built (at low priority, scripts/install-tools.mjs, cached by version), the unit
// tests and the system tests that need them. test/system/ runs against the newest server only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

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
/** One `node --test` run; its output is printed whole when it ends, so two lanes do not interleave. */
const suite = (label, paths, env) => new Promise((resolve) => {
  const started = Date.now();
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...paths], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err += d; });
  child.on('exit', (code) => {
    process.stdout.write(`\n=== ${label} (${Math.round((Date.now() - started) / 1000)} s) ===\n${out}`);
    process.stderr.write(err);
    passed += count(out, 'pass');
    failed += count(out, 'fail');
    skipped += count(out, 'skipped');
    if (code !== 0) ok = false;
    resolve();
  });
});

// Tests that need the tools of scripts/install-tools.mjs; everything else runs while they build.
const NEED_TOOLS = new Set(['kube.test.js', 'metrics.test.js', 'doctor-kube.test.js']);
const systemTests = readdirSync('dist/test/system').filter((f) => f.endsWith('.test.js'));
const system = (needTools) => systemTests.filter((f) => NEED_TOOLS.has(f) === needTools).map((f) => join('dist/test/system', f));
const debian = join(cache, 'debian', 'nats-server');

// Two lanes at once (most of a test's time is servers starting and timers, not CPU).
const withoutTools = (async () => {
  await suite('integration tests, nats-server from the cache (newest pinned)', ['dist/test/integration/'], {});
  await suite('system tests that need no extra tools (newest pinned nats-server)', system(false), {});
  if (existsSync(debian)) await suite("integration tests against Debian's nats-server (oldest supported)", ['dist/test/integration/'], { JETKEEPER_TEST_NATS_SERVER: debian });
  else console.log(`\n(no ${debian}: the oldest-server run is skipped)`);
})();
const withTools = (async () => {
  const toolsCode = await tools;
  console.log(`\n=== kube-apiserver, etcd, helm, promtool (scripts/install-tools.mjs, exit ${toolsCode}) ===`);
  process.stdout.write(readFileSync(toolsLog, 'utf8').split('\n').filter((l) => !l.startsWith('go: downloading')).join('\n'));
  if (toolsCode !== 0) ok = false;
  await suite('unit tests', ['dist/test/unit/'], {});
  await suite('system tests on kube-apiserver and promtool (newest pinned nats-server)', system(true), {});
})();
await Promise.all([withoutTools, withTools]);

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(ok && failed === 0 ? 0 : 1);
