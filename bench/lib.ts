/**
 * Shared pieces of the benchmarks: option parsing, timing, medians, a local cluster that is always
 * stopped (finally, process exit, Ctrl-C, overall deadline), tables and result files.
 *
 * Benchmarks measure; they do not assert speed. Each one reports ratios against a baseline measured
 * in the same run, on the same machine, against the same servers.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startCluster, type LocalCluster } from '../src/local/cluster.js';
import { cleanupSync, forgetScratch, jetkeeperCacheDir, natsServerBin, scratchDir } from '../test/helpers/scratch.js';

/** bench/ in the source tree (dist/bench/lib.js -> <root>/bench). */
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

// ---------------------------------------------------------------------------------------------
// options

export interface OptionSpec {
  type: 'string' | 'boolean';
  default?: string | boolean;
  description: string;
}
export type OptionSpecs = Record<string, OptionSpec>;
export type ParsedOptions = Record<string, string | boolean | undefined>;

export function intOption(o: ParsedOptions, name: string, min = 0): number {
  const raw = o[name];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

/** The `options` of node:util parseArgs for `specs` (each flag's type and default). */
export function parseArgsOptions(specs: OptionSpecs): NonNullable<Parameters<typeof parseArgs>[0]>['options'] {
  return Object.fromEntries(Object.entries(specs).map(([k, s]) => [k, { type: s.type, default: s.default }])) as NonNullable<Parameters<typeof parseArgs>[0]>['options'];
}

export function helpText(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([k, s]) => `  --${k}${s.type === 'string' ? ' <value>' : ''}`.padEnd(30) + `${s.description}${s.default !== undefined && s.default !== false ? ` (default ${s.default})` : ''}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// numbers

export const now = (): number => performance.now();

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const round = (x: number, digits = 3): number => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a';
}

/** A plain text table (first row is the header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const last = widths.length - 1;
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 || (i === last && last > 2) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** A markdown table (first row is the header); value/time columns right-aligned. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${rows[0]!.map(esc).join(' | ')} |`,
    `|${rows[0]!.map((h) => (/^(value|time|per op)$/.test(h) ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// results

/** One ratio a benchmark reports (what run.ts puts in summary.md). */
export interface Ratio {
  name: string;
  /** measured / baseline (lower is better unless `higherIsBetter`) */
  value: number;
  /** e.g. `<= 1.10` */
  target?: string;
  /** undefined when there is no target */
  ok?: boolean;
  higherIsBetter?: boolean;
  note?: string;
}

export interface BenchResult {
  benchmark: string;
  ok: boolean;
  ratios: Ratio[];
  /** the printed table */
  text: string;
  /** everything measured */
  data: Record<string, unknown>;
}

/** The result of a benchmark, its data written to bench/results/<name>.json with the environment it ran in. */
export function benchResult(benchmark: string, ratios: Ratio[], text: string, data: Record<string, unknown>): BenchResult {
  const full = { environment: environment(), ...data, ratios };
  writeJson(join(RESULTS_DIR, `${benchmark}.json`), full);
  return { benchmark, ok: ratios.every((r) => r.ok !== false), ratios, text, data: full };
}

export interface Benchmark {
  name: string;
  description: string;
  options: OptionSpecs;
  run(opts: ParsedOptions): Promise<BenchResult>;
}

/** `node dist/bench/<name>.js [flags]`: runs `b` alone when `moduleUrl` (its import.meta.url) is the entry point. */
export function runWhenMain(b: Benchmark, moduleUrl: string): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const values = parseArgs({ options: { ...parseArgsOptions(b.options), help: { type: 'boolean' } }, strict: true }).values as ParsedOptions;
  if (values.help) {
    process.stdout.write(`usage: node dist/bench/${b.name}.js [options]\n${helpText(b.options)}\n`);
    return;
  }
  b.run(values).then((r) => {
    process.stdout.write(r.text + '\n');
    process.exitCode = r.ok ? 0 : 1;
  }, (e: unknown) => {
    process.stderr.write(`${b.name} benchmark failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}

export function writeJson(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function environment(): Record<string, unknown> {
  return { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model, platform: `${process.platform}-${process.arch}`, at: new Date().toISOString() };
}

export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// the local cluster

export function benchCacheDir(): string {
  return jetkeeperCacheDir();
}

/**
 * Runs `fn` with a fresh `servers`-node cluster on 127.0.0.1 in a temp dir; the cluster is stopped and
 * its dir removed afterwards, whatever happens (also on exit, Ctrl-C, or when `maxMinutes` pass).
 */
export async function withCluster<T>(servers: number, maxMinutes: number, fn: (c: LocalCluster) => Promise<T>): Promise<T> {
  const bin = natsServerBin(process.env.JETKEEPER_BENCH_NATS_SERVER);
  const entry = scratchDir('jetkeeper-bench-');
  const deadline = setTimeout(() => {
    log(`overall deadline of ${maxMinutes} min passed: stopping the cluster and exiting`);
    cleanupSync();
    process.exit(3);
  }, maxMinutes * 60_000);
  deadline.unref();
  try {
    entry.cluster = await startCluster({ servers, dir: entry.dir, bin, detached: false });
    return await fn(entry.cluster);
  } finally {
    clearTimeout(deadline);
    try {
      await entry.cluster?.stop({ purge: true });
    } finally {
      rmSync(entry.dir, { recursive: true, force: true });
      forgetScratch(entry);
    }
  }
}

/** Runs `fn` over `items` with at most `limit` in flight (the benchmark's own, independent of src/). */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

// ---------------------------------------------------------------------------------------------
// noise: CPU used by processes that are not ours (other test runs on a shared machine)

const TICKS_PER_S = 100; // USER_HZ on Linux

function busyTicks(): number | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  } catch {
    return undefined;
  }
}

function procTicks(pid: number | 'self', withChildren: boolean): number {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ').map(Number);
    // fields after comm start at index 3 (state); utime=14 stime=15 cutime=16 cstime=17 (1-based)
    return f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0);
  } catch {
    return 0;
  }
}

export interface CpuSample {
  /** CPU seconds used by everything on the machine */
  totalS: number;
  /** CPU seconds used by this process, its finished children, and `pids` */
  oursS: number;
  /** the rest: other people's work competing for the same cores */
  foreignS: number;
}

/** Starts a CPU meter over this process and `pids` (our servers); `stop()` returns what each side used. */
export function cpuMeter(pids: readonly number[]): { stop(): CpuSample | undefined } {
  const ours = () => procTicks('self', true) + pids.reduce((s, p) => s + procTicks(p, false), 0);
  const b0 = busyTicks();
  const o0 = ours();
  return {
    stop() {
      const b1 = busyTicks();
      if (b0 === undefined || b1 === undefined) return undefined;
      const total = (b1 - b0) / TICKS_PER_S;
      const mine = (ours() - o0) / TICKS_PER_S;
      return { totalS: round(total, 2), oursS: round(mine, 2), foreignS: round(Math.max(0, total - mine), 2) };
    },
  };
}
