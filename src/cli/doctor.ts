/**
 * `jetkeeper doctor`: the three-layer check (NATS servers, JetStream assets, Kubernetes), each
 * finding with severity, evidence and fix; exit code 0 (ok/info), 1 (warning), 2 (critical).
 * The Kubernetes layer takes facts from a reader of the cluster; until src/kube provides one, a
 * present kubeconfig is reported as not read.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { doctor, type Finding } from '../metrics/doctor.js';
import { action, emit, globalOptions, table } from './common.js';
import { monitorOptions, takeSnapshot, type MonitorFlags } from './metrics.js';

function kubeconfigPresent(): string | undefined {
  const path = process.env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
  return existsSync(path) ? path : undefined;
}

function kubeNotWired(path: string): Finding {
  return {
    layer: 'kubernetes', check: 'kubeconfig', severity: 'info', subject: 'kubernetes',
    evidence: `kubeconfig ${path} present, but this build has no Kubernetes reader for doctor yet: StatefulSets, PVCs, pod spread and PDBs were not checked`,
    fix: 'check them with kubectl (get sts,pvc,pdb; get pods -o wide) until the Kubernetes layer is wired',
  };
}

export function doctorCommand(program: Command): void {
  monitorOptions(program
    .command('doctor')
    .description('check NATS servers, JetStream assets and (with a kubeconfig) Kubernetes; each finding with severity, evidence and fix; exit 0 ok, 1 warning, 2 critical')
    .option('--all', 'also list the checks that passed'))
    .action(action(async (flags: MonitorFlags & { all?: boolean }, c: Command) => {
      const o = globalOptions(c);
      const report = doctor(await takeSnapshot(o, flags, c, false));
      const kube = kubeconfigPresent();
      if (kube) report.findings = [...report.findings.filter((x) => x.layer !== 'kubernetes'), kubeNotWired(kube)];
      const shown = flags.all ? report.findings : report.findings.filter((x) => x.severity !== 'ok');
      emit(o, report, () => [
        table(['LAYER', 'SEVERITY', 'CHECK', 'SUBJECT', 'EVIDENCE', 'FIX'], shown.map((x) => [x.layer, x.severity.toUpperCase(), x.check, x.subject, x.evidence, x.fix])),
        `worst: ${report.worst}`,
      ].join('\n'));
      return report.exitCode;
    }));
}
