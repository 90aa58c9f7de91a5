/**
 * `jetkeeper check stream NAME` / `check consumer STREAM NAME`: the resource's own
 * `io.nats.monitor.*` thresholds evaluated like `nats server check`, with Nagios exit codes
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
 */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { ObservabilityClient } from '../nats/gather.js';
import { checkConsumer, checkStream, type CheckResult } from '../metrics/thresholds.js';
import { action, emit, globalOptions, resolveSettings, type GlobalOptions } from './common.js';
import { errorForCli } from './flags.js';

function render(r: CheckResult): string {
  const bad = r.items.filter((i) => i.status !== 'OK');
  const head = `${r.status} ${r.kind} ${r.name}: ${(bad.length ? bad : r.items).map((i) => i.message).join('; ') || 'no io.nats.monitor.* thresholds set'}`;
  return [head, ...r.items.map((i) => `  ${i.status.padEnd(8)} ${i.name}: ${i.message}`)].join('\n');
}

function notFound(kind: CheckResult['kind'], name: string): CheckResult {
  return { kind, name, status: 'CRITICAL', exitCode: 2, items: [{ name: 'exists', status: 'CRITICAL', message: `${kind} ${name} not found (JK6004)` }] };
}

function unknown(kind: CheckResult['kind'], name: string, e: unknown): CheckResult {
  const err = errorForCli(e);
  const message = err instanceof JkError ? `${err.code} ${err.message}${err.fix ? ` (fix: ${err.fix})` : ''}` : String((err as Error)?.message ?? err);
  return { kind, name, status: 'UNKNOWN', exitCode: 3, items: [{ name: 'read', status: 'UNKNOWN', message }] };
}

async function evaluate(o: GlobalOptions, kind: CheckResult['kind'], stream: string, consumer?: string): Promise<CheckResult> {
  const name = consumer === undefined ? stream : `${stream} > ${consumer}`;
  let client: ObservabilityClient | undefined;
  try {
    client = await ObservabilityClient.connect(resolveSettings(o), { timeoutMs: Number(o.timeout) || 10_000 });
    if (consumer === undefined) {
      const si = await client.streamInfo(stream);
      return si ? checkStream(si) : notFound(kind, name);
    }
    const ci = await client.consumerInfo(stream, consumer);
    return ci ? checkConsumer(ci) : notFound(kind, name);
  } catch (e) {
    return unknown(kind, name, e);
  } finally {
    await client?.close();
  }
}

function finish(o: GlobalOptions, r: CheckResult): number {
  emit(o, r, () => render(r));
  return r.exitCode;
}

export function checkCommand(program: Command): void {
  const check = program
    .command('check')
    .description('evaluate a stream\'s or consumer\'s io.nats.monitor.* thresholds like `nats server check` (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)');
  check
    .command('stream <name>')
    .description('check a stream: messages (msgs-warn/-critical are minimums), subjects, sources/mirror lag, replicas (peer-expect, peer-lag-critical, peer-seen-critical)')
    .action(action(async (name: string, _opts: unknown, c: Command) => {
      const o = globalOptions(c);
      return finish(o, await evaluate(o, 'stream', name));
    }));
  check
    .command('consumer <stream> <name>')
    .description('check a consumer: outstanding acks, waiting pulls, unprocessed, redeliveries, last delivery/ack age, pinned clients')
    .action(action(async (stream: string, name: string, _opts: unknown, c: Command) => {
      const o = globalOptions(c);
      return finish(o, await evaluate(o, 'consumer', stream, name));
    }));
}
