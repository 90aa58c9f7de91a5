/**
 * `jetkeeper doctor`: the three-layer check (NATS servers, JetStream assets, Kubernetes), each
 * finding with severity, evidence and fix; exit code 0 (ok/info), 1 (warning), 2 (critical).
 * The Kubernetes layer runs when a kubeconfig is present (--kubeconfig, $KUBECONFIG as kubectl
 * reads it, ~/.kube/config): src/kube reads the facts, src/metrics turns them into findings.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import { KubeClient } from '../kube/client.js';
import { CONTROLLER_SELECTOR, NATS_SELECTOR, readKubeFacts } from '../kube/doctor-facts.js';
import { doctor, type KubeFacts } from '../metrics/doctor.js';
import { action, emit, globalOptions, table } from './common.js';
import { monitorOptions, takeSnapshot, type MonitorFlags } from './metrics.js';

interface DoctorFlags extends MonitorFlags {
  all?: boolean;
  kubeconfig?: string;
  namespace?: string;
  natsSelector?: string;
  controllerSelector?: string;
}

/** The kubeconfig to read: the flag, else the first existing file of $KUBECONFIG (when set, ~/.kube/config is not used, as with kubectl), else ~/.kube/config. */
export function kubeconfigPath(flag: string | undefined, env: string | undefined = process.env.KUBECONFIG): string | undefined {
  if (flag) return flag;
  if (env) return env.split(delimiter).find((p) => p && existsSync(p));
  const home = join(homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

async function kubeFacts(path: string, flags: DoctorFlags, timeoutMs: number): Promise<KubeFacts> {
  let client: KubeClient;
  try {
    client = KubeClient.load({ kubeconfig: path });
  } catch (e) {
    return { statefulSets: [], pvcs: [], pods: [], pdbs: [], failure: { what: 'kubeconfig', where: path, message: (e as Error).message } };
  }
  return readKubeFacts(client, { namespace: flags.namespace, selector: flags.natsSelector, controllerSelector: flags.controllerSelector, timeoutMs });
}

export function doctorCommand(program: Command): void {
  monitorOptions(program
    .command('doctor')
    .description('check NATS servers, JetStream assets and (with a kubeconfig) Kubernetes; each finding with severity, evidence and fix; exit 0 ok, 1 warning, 2 critical')
    .option('--all', 'also list the checks that passed')
    .option('--kubeconfig <file>', 'kubeconfig for the Kubernetes layer (default: $KUBECONFIG, else ~/.kube/config; none: the layer is skipped)')
    .option('--namespace <ns>', 'namespace of the NATS StatefulSet (default: the kubeconfig context\'s)')
    .option('--nats-selector <labels>', 'label selector of the NATS StatefulSet(s)', NATS_SELECTOR)
    .option('--controller-selector <labels>', 'label selector of the jetkeeper controller Deployment', CONTROLLER_SELECTOR))
    .action(action(async (flags: DoctorFlags, c: Command) => {
      const o = globalOptions(c);
      const snapshot = await takeSnapshot(o, flags, c, false);
      const path = kubeconfigPath(flags.kubeconfig);
      const kube = path ? await kubeFacts(path, flags, Number(o.timeout) || 10_000) : undefined;
      const report = doctor(snapshot, { kube });
      const shown = flags.all ? report.findings : report.findings.filter((x) => x.severity !== 'ok');
      emit(o, report, () => [
        table(['LAYER', 'SEVERITY', 'CHECK', 'SUBJECT', 'EVIDENCE', 'FIX'], shown.map((x) => [x.layer, x.severity.toUpperCase(), x.check, x.subject, x.evidence, x.fix])),
        `worst: ${report.worst}`,
      ].join('\n'));
      return report.exitCode;
    }));
}
