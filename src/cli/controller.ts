/**
 * `jetkeeper controller --source dir:PATH|kubernetes`: reconcile continuously. Thin: parse the
 * flags, build the source, run the controller and its HTTP endpoints until SIGTERM/SIGINT.
 */
import { Option, type Command } from 'commander';
import { JkError } from '../errors.js';
import { Controller } from '../controller/controller.js';
import { serveControllerHttp } from '../controller/http.js';
import type { ControllerSource } from '../controller/source.js';
import { createKubernetesSource } from '../controller/sources/kubernetes.js';
import { leaderElection, type LeaderFlags } from './controller-leader.js';
import { DirectorySource } from '../controller/sources/dir.js';
import type { Logger } from '../log.js';
import type { ConnectionSettings } from '../nats/settings.js';
import { action, emit, globalOptions, resolveSettings, untilAborted, untilInterrupted, type GlobalOptions } from './common.js';
import { durationFlag, intFlag, withFlagNames } from './flags.js';
import { loggerFor } from './log.js';
import { registerJetStreamCollectors } from '../metrics/collectors.js';
import { expectServers, monitorUrls } from './metrics.js';

interface ControllerFlags extends LeaderFlags {
  source: string;
  syncInterval: string;
  drift: 'repair' | 'report';
  readOnly?: boolean;
  listen: string;
  workers: string;
  pruneMax?: string;
  statusFile?: string;
  removalTimeout: string;
  concurrency?: string;
  namespace?: string;
  allNamespaces?: boolean;
  kubeconfig?: string;
  leaderElect?: boolean;
  monitor?: string;
  expectServers?: string;
}

/** With `--monitor`, the controller's /metrics also carries the JetStream collectors of `jetkeeper metrics`. */
function addJetStreamMetrics(controller: Controller, flags: ControllerFlags, o: GlobalOptions): void {
  if (!flags.monitor) return;
  registerJetStreamCollectors(controller.metrics.registry, { monitorUrls: monitorUrls(o, flags), expectServers: expectServers(flags) });
}

const FLAGS: Record<string, string> = { listen: '--listen', source: '--source', statusFile: '--status-file', pruneMax: '--prune-max', kubeconfig: '--kubeconfig', namespace: '--namespace', allNamespaces: '--all-namespaces', leaseMs: '--lease-duration' };

/** Library errors name options in backticks: here they are this command's flags. */
function withOurFlags(e: unknown): unknown {
  if (!(e instanceof JkError)) return e;
  const swap = (t?: string) => t?.replace(/`([A-Za-z]+)`/g, (w, o: string) => FLAGS[o] ?? w);
  return new JkError(e.code, { message: withFlagNames(swap(e.message) ?? ''), fix: withFlagNames(swap(e.fix)), resource: e.resource, field: e.field, at: e.at, option: e.option });
}

/** The source named by --source. */
async function sourceFor(flags: ControllerFlags, connection: ConnectionSettings, o: GlobalOptions, log: Logger): Promise<ControllerSource> {
  if (flags.source === 'kubernetes') {
    return createKubernetesSource({ namespace: flags.namespace, allNamespaces: flags.allNamespaces, kubeconfig: flags.kubeconfig, connection, owner: o.owner, readOnly: !!flags.readOnly, log });
  }
  if (flags.source.startsWith('dir:') && flags.source.length > 4) {
    return new DirectorySource(flags.source.slice(4), {
      statusFile: flags.statusFile,
      onError: (e) => log.warn({ code: e.code }, e.format()),
    });
  }
  throw new JkError('JK1012', { message: `--source ${JSON.stringify(flags.source)} is neither dir:PATH nor kubernetes`, fix: 'pass --source dir:./manifests or --source kubernetes' });
}

function controllerLogger(c: Command, o: GlobalOptions): Logger {
  const root = c.parent ?? c;
  const g = c.optsWithGlobals<{ logLevel?: string; logFormat?: string }>();
  const level = root.getOptionValueSource('logLevel') === 'default' ? 'info' : g.logLevel;
  const format = root.getOptionValueSource('logFormat') === 'default' && o.output === 'json' ? 'json' : g.logFormat;
  return loggerFor({ logLevel: level, logFormat: format });
}

async function run(flags: ControllerFlags, c: Command): Promise<number> {
  const o = globalOptions(c);
  const log = controllerLogger(c, o);
  if (!['repair', 'report'].includes(flags.drift)) throw new JkError('JK1012', { message: `--drift ${JSON.stringify(flags.drift)}`, fix: 'pass --drift repair or --drift report' });
  const connection = resolveSettings(o);
  const source = await sourceFor(flags, connection, o, log);
  const controller = new Controller({
    source, connection, owner: o.owner, drift: flags.drift, readOnly: !!flags.readOnly, log,
    syncIntervalMs: durationFlag('sync-interval', flags.syncInterval, 1000),
    workers: intFlag('workers', flags.workers, 1),
    pruneMax: flags.pruneMax === undefined ? undefined : intFlag('prune-max', flags.pruneMax, 0),
    removalTimeoutMs: durationFlag('removal-timeout', flags.removalTimeout, 1000),
    concurrency: flags.concurrency === undefined ? undefined : intFlag('concurrency', flags.concurrency, 1),
  });
  const leader = leaderElection(flags, log);
  addJetStreamMetrics(controller, flags, o);
  const http = await serveControllerHttp(flags.listen, { ready: () => (leader && !leader.isLeader() ? true : controller.ready()), status: () => controller.snapshot(), registry: controller.metrics.registry });
  log.info({ source: source.name, listen: http.url, drift: flags.drift, readOnly: !!flags.readOnly }, `controller started: ${source.name}, endpoints on ${http.url}`);
  try {
    await untilInterrupted(['SIGTERM', 'SIGINT'], async (signal) => {
      if (leader && !(await leader.acquire(signal))) return;
      await controller.start();
      await untilAborted(signal);
    });
  } finally {
    log.info({}, 'stopping: finishing the passes in flight');
    await controller.stop();
    await leader?.stop();
    await http.close();
  }
  const snap = controller.snapshot();
  const ready = snap.items.filter((i) => i.status?.ready).length;
  emit(o, { source: snap.source, items: snap.items.length, ready, notReady: snap.items.length - ready }, () => `controller stopped: ${snap.items.length} resource(s), ${ready} ready.`);
  return 0;
}

export function controllerCommand(program: Command): void {
  program
    .command('controller')
    .description('reconcile continuously: watch a directory of manifests (or Kubernetes resources) and keep the NATS server equal to them')
    .requiredOption('--source <source>', 'where the manifests come from: dir:PATH (watched recursively) or kubernetes')
    .option('--sync-interval <duration>', 'how often to re-read everything and repair drift (±10% jitter)', '60s')
    .addOption(new Option('--drift <mode>', 'what to do with drift made outside jetkeeper: repair it, or only report it').choices(['repair', 'report']).default('repair'))
    .option('--read-only', 'change nothing on the server: only report')
    .option('--listen <host:port>', 'address of /healthz, /readyz, /metrics and /status', '127.0.0.1:8080')
    .option('--workers <n>', 'reconcile passes at once', '4')
    .option('--prune-max <n>', 'most resources one prune of removed manifests may delete (default: 25% of the owned ones, at least 1, at most 10)')
    .option('--removal-timeout <duration>', 'after this long, a removal that cannot complete leaves the asset on the server (orphaned, with an event)', '5m')
    .option('--status-file <file>', 'also write every status change to this JSON file (dir source)')
    .option('--concurrency <n>', 'NATS requests in flight per pass')
    .option('--namespace <ns>', 'kubernetes source: watch this namespace only')
    .option('--all-namespaces', 'kubernetes source: watch every namespace')
    .option('--kubeconfig <file>', 'kubernetes source: kubeconfig file')
    .option('--leader-elect', 'of several replicas only the holder of a coordination.k8s.io Lease reconciles (kubernetes source)')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE, else the kubeconfig\'s namespace)')
    .option('--leader-election-id <name>', 'name of the Lease', 'jetkeeper-controller')
    .option('--lease-duration <duration>', 'a leader that has not renewed for this long is replaced', '15s')
    .option('--renew-deadline <duration>', 'a leader that cannot renew within this stops (exits) before it can be replaced', '10s')
    .option('--retry-period <duration>', 'how often the Lease is renewed or tried', '2s')
    .option('--monitor <urls>', 'also serve the JetStream metrics of `jetkeeper metrics` on /metrics, from these monitor endpoints (comma separated http://host:8222)')
    .option('--expect-servers <n>', 'with --monitor: servers the cluster should have')
    .action(action(async (flags: ControllerFlags, c: Command) => {
      try {
        return await run(flags, c);
      } catch (e) {
        throw withOurFlags(e);
      }
    }));
}
