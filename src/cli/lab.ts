/** `jetkeeper lab`: the seed's hands-on lab, run for real on a local cluster, checked step by step. */
import type { Command } from 'commander';
import { findNatsServer } from '../local/binary.js';
import { renderCheck, runLab, type LabResult } from '../lab/lab.js';
import { action, cacheDir, emit, globalOptions } from './common.js';

export function labCommand(program: Command): void {
  program
    .command('lab')
    .description('run the order-pipeline lab: local cluster, manifests applied, example services, checks printed as PASS/FAIL with evidence')
    .option('--keep', 'leave the cluster and the services running afterwards')
    .option('--servers <n>', 'number of servers: 3 or 5', '3')
    .option('--dir <dir>', 'cluster directory (default: a fresh temp dir, removed afterwards)')
    .option('--nats-server <path>', 'nats-server binary (default $JETKEEPER_NATS_SERVER, the cache, PATH)')
    .action(action(async (opts: { keep?: boolean; servers: string; dir?: string; natsServer?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const bin = findNatsServer({ explicit: opts.natsServer, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: cacheDir(), pathEnv: process.env.PATH });
      const text = o.output === 'text';
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort(new Error('interrupted: the lab stopped everything it started'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let index = 0;
      let result: LabResult;
      try {
        result = await runLab({
          bin, servers: Number(opts.servers), dir: opts.dir, keep: !!opts.keep, env: process.env, signal: interrupt.signal,
          onStep: (s) => text && process.stdout.write(`· ${s}\n`),
          onCheck: (c) => text && process.stdout.write(`${renderCheck(c, index++)}\n`),
        });
      } catch (e) {
        if (!interrupt.signal.aborted) throw e;
        process.stderr.write(`${(interrupt.signal.reason as Error).message}\n`);
        return 130;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      const { checks, ok, dir, serverVersion, natsUrl, kept } = result;
      emit(o, { checks, ok, dir, serverVersion, natsUrl, kept }, () => summary(result));
      return ok ? 0 : 1;
    }));
}

function summary(r: LabResult): string {
  const passed = r.checks.filter((c) => c.ok).length;
  const lines = [`${r.ok ? 'Lab passed' : 'Lab FAILED'}: ${passed}/${r.checks.length} checks (nats-server ${r.serverVersion}).`];
  if (r.kept) {
    lines.push(
      `Still running. NATS_URL=${r.natsUrl}`,
      `  services: ${r.kept.services.map((s) => `${s.name} pid ${s.pid}`).join(', ')} (logs in ${r.dir}/services)`,
      `Stop with: kill ${r.kept.services.map((s) => s.pid).join(' ')} && jetkeeper down --dir ${r.dir} --purge`,
    );
  }
  return lines.join('\n');
}
