/**
 * The controller's HTTP endpoints: /healthz (the process runs), /readyz (the source watches and
 * every NATS connection in use is up), /metrics (Prometheus text from the controller's own
 * Registry) and /status (every item's status as JSON).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { JkError } from '../errors.js';

export interface ControllerMetrics {
  registry: Registry;
  reconciles: Counter<'result'>;
  duration: Histogram;
  driftDetected: Counter;
  driftRepaired: Counter;
  queueDepth: Gauge;
}

/**
 * A fresh Registry with the controller's metrics. `depth` is read at each scrape. Other
 * collectors (the JetStream ones) register on `registry` too.
 */
export function createControllerMetrics(depth: () => number = () => 0): ControllerMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({ name: 'jetkeeper_controller_reconciles_total', help: 'Reconcile results per resource, by reason', labelNames: ['result'], registers }),
    duration: new Histogram({
      name: 'jetkeeper_controller_reconcile_duration_seconds', help: 'Duration of one reconcile pass (a batch of resources)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    }),
    driftDetected: new Counter({ name: 'jetkeeper_controller_drift_detected_total', help: 'Resources found different from their manifest without a manifest change', registers }),
    driftRepaired: new Counter({ name: 'jetkeeper_controller_drift_repaired_total', help: 'Drifted resources put back as declared', registers }),
    queueDepth: new Gauge({ name: 'jetkeeper_controller_queue_depth', help: 'Resources waiting in the work queue', registers, collect() { this.set(depth()); } }),
  };
}

export interface HttpProbes {
  ready(): boolean;
  status(): unknown;
  registry: Registry;
}

export interface ControllerHttp {
  server: Server;
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

/** Splits `host:port` (port 0: any free port). */
export function parseListen(listen: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) {
    throw new JkError('JK5001', { message: `listen address ${JSON.stringify(listen)} is not host:port`, option: 'listen', fix: 'give `listen` as host:port, e.g. 127.0.0.1:8080 (port 0 picks a free one)' });
  }
  return { host: m[1].replace(/^\[|\]$/g, '') || '0.0.0.0', port };
}

async function route(probes: HttpProbes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const send = (code: number, type: string, body: string) => {
    res.writeHead(code, { 'content-type': type });
    res.end(body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
  if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
  if (path === '/readyz') return probes.ready() ? send(200, 'text/plain', 'ready\n') : send(503, 'text/plain', 'not ready\n');
  if (path === '/metrics') return send(200, probes.registry.contentType, await probes.registry.metrics());
  if (path === '/status') return send(200, 'application/json', JSON.stringify(probes.status(), null, 2) + '\n');
  send(404, 'text/plain', 'not found: try /healthz, /readyz, /metrics or /status\n');
}

/** Serves the endpoints on `listen` (host:port). */
export async function serveControllerHttp(listen: string, probes: HttpProbes): Promise<ControllerHttp> {
  const { host, port } = parseListen(listen);
  const server = createServer((req, res) => {
    route(probes, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new JkError('JK5002', {
      message: `cannot listen on ${listen}: ${e.code ?? e.message}`, option: 'listen', fix: 'choose another `listen` address or free the port',
    })));
    server.listen(port, host, () => resolve());
  });
  const a = server.address() as AddressInfo;
  const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    server, url: `http://${shown}:${a.port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
