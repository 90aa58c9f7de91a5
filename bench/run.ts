/**
 * `npm run bench [-- flags]`: runs every benchmark in BENCHMARKS, prints each one's table, and writes
 * bench/results/summary.md and summary.json with all ratios. Each benchmark also writes its own
 * bench/results/<name>.json. Flags pass through to the benchmarks that declare them
 * (`npm run bench -- --streams 200`; a flag left out takes each benchmark's own default); `--only apply,...`
 * picks benchmarks; `--help` lists the flags. The list of benchmarks is in registry.ts.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { allOptionSpecs, BENCHMARKS, optionsFor, RUN_OPTIONS, selectBenchmarks } from './registry.js';
import {
  environment, fmtRatio, helpText, log, markdownTable, parseArgsOptions, writeJson, RESULTS_DIR, type BenchResult, type ParsedOptions,
} from './lib.js';

interface Failure { benchmark: string; error: string }

/** The summary table: one row per ratio, one per failed benchmark. */
function summaryRows(results: BenchResult[], failures: Failure[]): string[][] {
  const rows: string[][] = [['benchmark', 'ratio', 'value', 'target', 'status', 'note']];
  for (const r of results) {
    for (const x of r.ratios) {
      const status = x.ok === undefined ? '' : x.ok ? 'ok' : 'above target';
      rows.push([r.benchmark, x.name, fmtRatio(x.value), x.target ?? (x.higherIsBetter ? 'higher is better' : ''), status, x.note ?? '']);
    }
  }
  for (const f of failures) rows.push([f.benchmark, 'FAILED', '', '', 'failed', f.error.split('\n')[0]!]);
  return rows;
}

/** Writes bench/results/summary.md and summary.json. */
function writeSummary(results: BenchResult[], failures: Failure[]): void {
  const env = environment();
  const md = [
    '# Benchmark summary',
    '',
    `Run at ${String(env.at)} on ${String(env.cpus)} CPU(s) (${String(env.cpuModel)}), node ${String(env.node)}. Flags: \`${process.argv.slice(2).join(' ') || '(defaults)'}\`.`,
    'Each ratio is measured against a baseline taken in the same run; see bench/README.md.',
    '',
    markdownTable(summaryRows(results, failures)),
    '',
    ...results.map((r) => `## ${r.benchmark}\n\n\`\`\`\n${r.text}\n\`\`\`\n`),
  ].join('\n');
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'summary.md'), md);
  writeJson(join(RESULTS_DIR, 'summary.json'), {
    environment: env,
    argv: process.argv.slice(2),
    benchmarks: results.map((r) => ({ benchmark: r.benchmark, ok: r.ok, ratios: r.ratios })),
    failures,
  });
  log(`wrote ${join(RESULTS_DIR, 'summary.md')} and summary.json`);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: parseArgsOptions(allOptionSpecs()),
    strict: true,
  });
  const o = values as ParsedOptions;
  if (o.help) {
    process.stdout.write(`usage: npm run bench -- [options]\n${helpText(RUN_OPTIONS)}\n`);
    for (const b of BENCHMARKS) process.stdout.write(`\n${b.name}: ${b.description}\n${helpText(b.options)}\n`);
    return 0;
  }
  const results: BenchResult[] = [];
  const failures: Failure[] = [];
  for (const b of selectBenchmarks(o)) {
    log(`=== ${b.name} ===`);
    try {
      const r = await b.run(optionsFor(b, o));
      results.push(r);
      process.stdout.write(`\n${r.text}\n\n`);
    } catch (e) {
      const error = (e as Error).stack ?? String(e);
      failures.push({ benchmark: b.name, error });
      process.stderr.write(`benchmark ${b.name} failed: ${error}\n`);
    }
  }
  writeSummary(results, failures);
  return failures.length || results.some((r) => !r.ok) ? 1 : 0;
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
