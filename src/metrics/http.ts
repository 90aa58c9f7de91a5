/** The scrape endpoint: `/metrics` (Prometheus text), `/advisories` (the last advisories as JSON), `/healthz`. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { JkError } from '../errors.js';
import type { AdvisoryLog } from './advisories.js';

export interface MetricsServer {
  /** `http://host:port` */
  url: string;
  close(): Promise<void>;
}

/** `host:port` (port 0 picks a free one); JK6002 when it is not one. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) {
    throw new JkError('JK6002', { message: `listen address ${JSON.stringify(text.slice(0, 80))} is not HOST:PORT`, fix: 'pass e.g. 127.0.0.1:9477 (port 0 picks a free port)' });
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

async function handle(req: IncomingMessage, res: ServerResponse, registry: Registry, advisories: AdvisoryLog | undefined): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
  } else if (path === '/advisories') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ events: advisories?.events() ?? [] }));
  } else if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics\n');
  }
}

/** Serves the registry on `listen` until close(). */
export async function serveMetrics(listen: string, registry: Registry, advisories?: AdvisoryLog): Promise<MetricsServer> {
  const { host, port } = parseListen(listen);
  const server: Server = createServer((req, res) => {
    handle(req, res, registry, advisories).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`scrape failed: ${(e as Error).message}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new JkError('JK6003', {
      message: `cannot listen on ${host}:${port}: ${e.code ?? e.message}`,
      fix: e.code === 'EADDRINUSE' ? 'choose another port (port 0 picks a free one)' : 'check the address is one of this host\'s',
    })));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
