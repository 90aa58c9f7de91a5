/**
 * The list of benchmarks `npm run bench` runs, and how the runner's flags reach them: a flag goes
 * to every benchmark that declares it; a flag left out takes each benchmark's own default (the
 * controller declares 100 streams where apply declares 1000; backup runs 1 round, apply 3).
 */
import { applyBenchmark } from './apply.js';
import { backupBenchmark } from './backup.js';
import { controllerBenchmark } from './controller.js';
import type { Benchmark, OptionSpecs, ParsedOptions } from './lib.js';
import { pipelineBenchmark } from './pipeline.js';
import { reconcileBenchmark } from './reconcile.js';

/** Every benchmark, in the order they run. Add new ones here. */
export const BENCHMARKS: readonly Benchmark[] = [applyBenchmark, reconcileBenchmark, pipelineBenchmark, controllerBenchmark, backupBenchmark];

export const RUN_OPTIONS: OptionSpecs = {
  only: { type: 'string', description: `comma-separated benchmarks to run (${BENCHMARKS.map((b) => b.name).join(', ')})` },
  help: { type: 'boolean', default: false, description: 'show the flags' },
};

/**
 * The flags of the runner and of every benchmark, without defaults (so a flag the user gave can be
 * told from one left out). Benchmarks sharing a flag must agree on its type.
 */
export function allOptionSpecs(benchmarks: readonly Benchmark[] = BENCHMARKS): OptionSpecs {
  const specs: OptionSpecs = {};
  for (const [k, s] of [...Object.entries(RUN_OPTIONS), ...benchmarks.flatMap((b) => Object.entries(b.options))]) {
    if (specs[k] && specs[k].type !== s.type) throw new Error(`benchmarks disagree on the type of --${k}`);
    specs[k] = { type: s.type, description: s.description };
  }
  return specs;
}

/** The options one benchmark runs with: what the user gave, else the benchmark's own defaults. */
export function optionsFor(b: Benchmark, given: ParsedOptions): ParsedOptions {
  const out: ParsedOptions = {};
  for (const [k, s] of Object.entries(b.options)) out[k] = s.default;
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out;
}

/** The benchmarks `--only` names (all when it is not given). */
export function selectBenchmarks(o: ParsedOptions, benchmarks: readonly Benchmark[] = BENCHMARKS): readonly Benchmark[] {
  const only = typeof o.only === 'string' ? o.only.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const unknown = only?.filter((n) => !benchmarks.some((b) => b.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; have ${benchmarks.map((b) => b.name).join(', ')}`);
  return benchmarks.filter((b) => !only || only.includes(b.name));
}
