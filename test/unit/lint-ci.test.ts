/**
 * The CI examples run commands that exist: every `jetkeeper <command> ...` in the GitHub Actions
 * example and the pre-commit hooks names a real command and only flags that command accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `jetkeeper VERB --flag ...` invocations in a text. */
function invocations(text: string): { verb: string; flags: string[] }[] {
  return [...text.matchAll(/\bjetkeeper ([a-z-]+)((?: +[^\s|>&;]+)*)/g)].map((m) => ({
    verb: m[1], flags: m[2].trim().split(/ +/).filter((w) => w.startsWith('-')).map((w) => w.split('=')[0]),
  }));
}

/** The code of a Markdown text: fenced blocks and inline code spans. */
function codeOf(md: string): string {
  const fenced = [...md.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  const inline = [...md.replace(/^```[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return [...fenced, ...inline].join('\n');
}

function flagsOf(program: Command, verb: string): Set<string> | undefined {
  const cmd = program.commands.find((c) => c.name() === verb);
  if (!cmd) return undefined;
  return new Set([...cmd.options, ...program.options].flatMap((o) => [o.long, o.short]).filter((x): x is string => !!x));
}

function checkText(text: string, where: string): number {
  const program = buildProgram();
  const found = invocations(text);
  for (const { verb, flags } of found) {
    const known = flagsOf(program, verb);
    assert.ok(known, `${where}: jetkeeper ${verb} is no command`);
    for (const f of flags) assert.ok(known.has(f), `${where}: jetkeeper ${verb} has no flag ${f}`);
  }
  return found.length;
}

test('the GitHub Actions example is YAML and runs validate, lint (SARIF uploaded) and plan with real flags', () => {
  const text = readFileSync(`${root}docs/ci/github-actions.yml`, 'utf8');
  const wf = parse(text) as { jobs: Record<string, { steps: { run?: string; uses?: string }[] }> };
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const runs = steps.map((s) => s.run ?? '').join('\n');
  assert.deepEqual(['validate', 'lint', 'plan'].map((v) => invocations(runs).some((i) => i.verb === v)), [true, true, true]);
  assert.ok(steps.some((s) => s.uses?.startsWith('github/codeql-action/upload-sarif')));
  assert.ok(checkText(runs, 'docs/ci/github-actions.yml') >= 4);
});

test('the pre-commit hooks run real commands', () => {
  const hooks = parse(readFileSync(`${root}.pre-commit-hooks.yaml`, 'utf8')) as { id: string; entry: string; pass_filenames: boolean }[];
  assert.deepEqual(hooks.map((h) => h.id), ['jetkeeper-validate', 'jetkeeper-lint']);
  for (const h of hooks) assert.equal(checkText(h.entry, h.id), 1);
  assert.ok(checkText(codeOf(readFileSync(`${root}docs/ci.md`, 'utf8')), 'docs/ci.md') >= 3);
});

test('the checker catches a flag a command does not have', () => {
  assert.throws(() => checkText('jetkeeper lint -f x --no-such-flag', 'sample'), /has no flag --no-such-flag/);
  assert.throws(() => checkText('jetkeeper lnt -f x', 'sample'), /is no command/);
});
