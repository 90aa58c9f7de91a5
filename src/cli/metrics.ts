/**
 * `jetkeeper metrics --listen HOST:PORT`: a Prometheus endpoint answering the seed's four questions
 * (cluster health, JetStream storage, streams and consumers keeping up, clients failing) from one
 * gather of every server's monitor endpoints; `--once` prints one scrape and exits.
 */
import { Option, type Command } from 'commander';
import { Registry } from 'prom-client';
import { JkError } from '../errors.js';
import { ObservabilityClient } from '../nats/gather.js';
import { AdvisoryLog } from '../metrics/advisories.js';
import { registerJetStreamCollectors } from '../metrics/collectors.js';
import { serveMetrics } from '../metrics/http.js';
import { MetricsSource, type Snapshot } from '../metrics/source.js';
import { action, emit, globalOptions, resolveSettings, runningLocalCluster, untilAborted, untilInterrupted, type GlobalOptions } from './common.js';
import { durationFlag, intFlag } from './flags.js';
import { loggerOf } from './log.js';

export interface MonitorFlags { monitor?: string; expectServers?: string }

interface MetricsFlags extends MonitorFlags {
  listen: string;
  maxAge: string;
  ageBudget: string;
  ages: boolean;
  advisories: boolean;
  keepAdvisories: string;
  ephemeralConsumers?: boolean;
  compat?: string;
  once?: boolean;
}

/** Adds `--monitor` and `--expect-servers`. */
export function monitorOptions(cmd: Command): Command {
  return cmd
    .option('--monitor <urls>', 'monitor endpoints of every server, comma separated, e.g. http://nats-0:8222,http://nats-1:8222 (default: the `jetkeeper up` cluster\'s)')
    .option('--expect-servers <n>', 'servers the cluster should have (cluster size findings and series)');
}

/** The monitor URLs of the flags, else of the running local cluster; JK6001 when there are none. */
export function monitorUrls(o: GlobalOptions, flags: MonitorFlags): string[] {
  const given = flags.monitor?.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
  if (given?.length) {
    for (const u of given) {
      if (!/^https?:\/\/[^/\s]+$/.test(u)) throw new JkError('JK1012', { message: `--monitor ${JSON.stringify(u.slice(0, 80))} is not an http(s)://host:port URL`, fix: 'pass e.g. --monitor http://127.0.0.1:8222' });
    }
    return given;
  }
  const local = runningLocalCluster(o)?.servers.map((s) => s.monitorUrl);
  if (local?.length) return local;
  throw new JkError('JK6001', {
    message: 'no monitor endpoints: --monitor was not given and no `jetkeeper up` cluster is running',
    fix: 'pass --monitor http://HOST:8222,... (each server\'s http monitor port), or start a local cluster with `jetkeeper up`',
  });
}

export function expectServers(flags: MonitorFlags): number {
  return flags.expectServers === undefined ? 0 : intFlag('expect-servers', flags.expectServers, 1);
}

async function connectClient(o: GlobalOptions, cmd: Command): Promise<ObservabilityClient | undefined> {
  try {
    return await ObservabilityClient.connect(resolveSettings(o));
  } catch (e) {
    loggerOf(cmd).warn(`no NATS connection (${(e as Error).message}): age series and advisories are off`);
    return undefined;
  }
}

function compatFlag(v: string | undefined): boolean {
  if (v === undefined) return false;
  if (v !== 'exporter') throw new JkError('JK1012', { message: `--compat ${JSON.stringify(v)} is not known`, fix: 'use --compat exporter' });
  return true;
}

async function runMetrics(opts: MetricsFlags, cmd: Command): Promise<number> {
  const o = globalOptions(cmd);
  const urls = monitorUrls(o, opts);
  const compat = compatFlag(opts.compat);
  const client = opts.ages || opts.advisories ? await connectClient(o, cmd) : undefined;
  const advisories = new AdvisoryLog(intFlag('keep-advisories', opts.keepAdvisories, 1));
  if (client && opts.advisories) client.watchAdvisories((a) => advisories.record(a.subject, a.body));
  const registry = new Registry();
  registerJetStreamCollectors(registry, {
    monitorUrls: urls, maxAgeMs: durationFlag('max-age', opts.maxAge), expectServers: expectServers(opts), ageBudget: intFlag('age-budget', opts.ageBudget),
    messageTime: client && opts.ages ? (s, seq) => client.messageTime(s, seq) : undefined, advisories, ephemeralConsumers: opts.ephemeralConsumers, compatExporter: compat,
  });
  try {
    if (opts.once) {
      if (o.output === 'text') process.stdout.write(await registry.metrics());
      else emit(o, await registry.getMetricsAsJSON(), () => '');
      return 0;
    }
    return await untilInterrupted(['SIGINT', 'SIGTERM'], async (signal) => {
      const server = await serveMetrics(opts.listen, registry, advisories);
      emit(o, { listening: `${server.url}/metrics`, monitor: urls, ages: !!(client && opts.ages), advisories: !!(client && opts.advisories) }, () => `serving ${server.url}/metrics (reading ${urls.join(', ')}); Ctrl-C to stop`);
      await untilAborted(signal);
      await server.close();
      return 0;
    });
  } finally {
    await client?.close();
  }
}

export function metricsCommand(program: Command): void {
  monitorOptions(program
    .command('metrics')
    .description('serve Prometheus metrics for servers, JetStream, streams, consumers and advisories (prefix jetkeeper_)')
    .option('--listen <host:port>', 'address to serve /metrics on', '127.0.0.1:9477')
    .option('--max-age <duration>', 'reuse one gather of the monitor endpoints for this long', '5s')
    .option('--age-budget <n>', 'message-time look-ups per gather for the oldest-unacked/pending age series', '200')
    .option('--no-ages', 'no age series (no NATS connection for look-ups)')
    .option('--no-advisories', 'do not subscribe to $JS.EVENT.ADVISORY.>')
    .option('--keep-advisories <n>', 'advisories kept in memory for /advisories', '100')
    .option('--ephemeral-consumers', 'one series set per ephemeral consumer (default: summed per stream as consumer="(ephemeral)")')
    .addOption(new Option('--compat <mode>', 'also emit prometheus-nats-exporter names (nats_stream_total_messages, ...)').choices(['exporter']))
    .option('--once', 'print one scrape (text exposition, or -o json) and exit'))
    .action(action(runMetrics));
}

/** One gather of the monitor endpoints (with the age look-ups when a NATS connection is possible), for report and doctor. */
export async function takeSnapshot(o: GlobalOptions, flags: MonitorFlags, cmd: Command, ages = true): Promise<Snapshot> {
  const urls = monitorUrls(o, flags);
  const client = ages ? await connectClient(o, cmd) : undefined;
  try {
    const source = new MetricsSource({ monitorUrls: urls, expectServers: expectServers(flags), messageTime: client ? (s, seq) => client.messageTime(s, seq) : undefined });
    const snap = await source.current();
    if (snap.view.servers.every((s) => !s.up)) {
      throw new JkError('JK6005', {
        message: `none of ${urls.join(', ')} answered: ${snap.view.servers[0]?.error ?? 'no answer'}`,
        fix: 'check the servers run and their http monitor port is reachable from here (--monitor http://HOST:8222,...)',
      });
    }
    return snap;
  } finally {
    await client?.close();
  }
}
