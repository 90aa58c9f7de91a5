/** Runs the real `jetkeeper metrics` command and scrapes it: for the observability tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/servers.js';

const bin = fileURLToPath(new URL('../../../bin/jetkeeper.js', import.meta.url));

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition -> samples (HELP/TYPE lines skipped). */
export function parseExposition(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    out.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return out;
}

/** HELP lines by metric name. */
export function helpTexts(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# HELP (\S+) (.*)$/gm)].map((m) => [m[1], m[2]]));
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when there is none. */
export function value(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

export interface MetricsProcess {
  url: string;
  child: ChildProcess;
  scrape(): Promise<{ text: string; samples: Sample[] }>;
  stop(): Promise<void>;
}

/** Starts `jetkeeper metrics --listen 127.0.0.1:0 ...args` and resolves once it serves. */
export async function startMetrics(args: string[]): Promise<MetricsProcess> {
  const home = makeTempDir('jetkeeper-metrics-home-');
  const child = spawn(process.execPath, [bin, 'metrics', '--listen', '127.0.0.1:0', '-o', 'json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JETKEEPER_HOME: home },
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { listening: string }).listening);
      } catch {
        // not all of it yet
      }
    });
    child.once('exit', (code) => reject(new Error(`jetkeeper metrics exited ${code}: ${out}${err}`)));
  });
  return {
    url, child,
    async scrape() {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`scrape ${res.status}: ${text}`);
      return { text, samples: parseExposition(text) };
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      process.kill(child.pid!, 'SIGTERM');
    }),
  };
}
