/**
 * The benchmark runner's list and flags (no benchmark is run): every benchmark is registered, a
 * flag given reaches each benchmark that declares it, a flag left out takes each one's own default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allOptionSpecs, BENCHMARKS, optionsFor, selectBenchmarks } from '../../bench/registry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const byName = (n: string) => BENCHMARKS.find((b) => b.name === n)!;

test('every benchmark is registered, the controller and backup ones included', () => {
  assert.deepEqual(BENCHMARKS.map((b) => b.name), ['apply', 'reconcile', 'pipeline', 'controller', 'backup']);
  assert.deepEqual(selectBenchmarks({ only: 'controller,backup' }).map((b) => b.name), ['controller', 'backup']);
  assert.throws(() => selectBenchmarks({ only: 'nope' }), /unknown benchmark\(s\) nope; have apply, reconcile, pipeline, controller, backup/);
});

test('flags shared with different defaults keep each benchmark\'s default unless given', () => {
  const specs = allOptionSpecs();
  for (const k of ['streams', 'rounds', 'mib', 'idle-seconds', 'only']) assert.ok(specs[k], k);
  assert.equal(optionsFor(byName('controller'), {}).streams, '100');
  assert.equal(optionsFor(byName('apply'), {}).streams, '1000');
  assert.equal(optionsFor(byName('backup'), {}).rounds, '1');
  assert.equal(optionsFor(byName('apply'), {}).rounds, '3');
  const given = { streams: '7', rounds: undefined };
  assert.equal(optionsFor(byName('controller'), given).streams, '7');
  assert.equal(optionsFor(byName('apply'), given).streams, '7');
  assert.equal(optionsFor(byName('backup'), given).rounds, '1');
});

test('the runner lists every benchmark and its flags in --help, and refuses an unknown --only before starting anything', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [join(root, 'dist/bench/run.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const help = run(['--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /\ncontroller: [^\n]+\n {2}--streams <value> [^\n]+\(default 100\)/);
  assert.match(help.stdout, /\nbackup: [^\n]+\n {2}--mib <value>/);
  const bad = run(['--only', 'nope']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /unknown benchmark\(s\) nope/);
});
