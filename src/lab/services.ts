/**
 * The order-pipeline example services as child processes of the lab. Each runs
 * `node <root>/dist/examples/order-pipeline/<script>.js` with NATS_URL set; its stdout and stderr
 * go to `<logDir>/<name>.log`, one JSON line per event, which the lab reads back as evidence.
 * Writing to files (not pipes) lets the services outlive the lab with --keep.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StopWaiting, waitUntil } from './wait.js';

/** One line a service logged: `{"ts","service","event",...}`. */
export interface ServiceEvent {
  service: string;
  event: string;
  ts?: string;
  [field: string]: unknown;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceHandle {
  /** instance name, e.g. `pdf-worker-2` */
  name: string;
  /** example script, e.g. `pdf-worker` */
  script: string;
  pid: number;
  logFile: string;
}

interface Running extends ServiceHandle {
  child: ChildProcess;
  exit?: ServiceExit;
  exited: Promise<ServiceExit>;
}

export interface ServicesOptions {
  /** `<root>/dist/examples/order-pipeline` */
  scriptsDir: string;
  logDir: string;
  /** comma-separated client URLs */
  natsUrl: string;
  /** base environment of the children (the CLI passes its own) */
  env: Record<string, string | undefined>;
  /** own process group and unref'd: the services outlive the lab (--keep) */
  detached: boolean;
}

export class Services {
  readonly #opts: ServicesOptions;
  readonly #running = new Map<string, Running>();

  constructor(opts: ServicesOptions) {
    this.#opts = opts;
    mkdirSync(opts.logDir, { recursive: true });
  }

  scriptPath(script: string): string {
    return join(this.#opts.scriptsDir, `${script}.js`);
  }

  /** Starts one instance; `name` must be new. */
  start(name: string, script: string, opts: { args?: string[]; env?: Record<string, string> } = {}): ServiceHandle {
    if (this.#running.has(name)) throw new Error(`service ${name} was already started`);
    const logFile = join(this.#opts.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [this.scriptPath(script), ...(opts.args ?? [])], {
        env: { ...this.#opts.env, ...opts.env, NATS_URL: this.#opts.natsUrl },
        stdio: ['ignore', fd, fd],
        detached: this.#opts.detached,
      });
    } finally {
      closeSync(fd);
    }
    // never keep the lab alive for a child: the lab stops them itself (or leaves them, with --keep)
    child.unref();
    const r: Running = {
      name, script, pid: child.pid ?? -1, logFile, child,
      exited: new Promise((resolve) => {
        child.once('exit', (code, signal) => resolve((r.exit = { code, signal })));
        child.once('error', () => resolve((r.exit = { code: null, signal: null })));
      }),
    };
    this.#running.set(name, r);
    return { name, script, pid: r.pid, logFile };
  }

  list(): ServiceHandle[] {
    return [...this.#running.values()].map(({ name, script, pid, logFile }) => ({ name, script, pid, logFile }));
  }

  /** Services that have not exited. */
  alive(): ServiceHandle[] {
    return this.list().filter((s) => !this.#running.get(s.name)!.exit);
  }

  exitOf(name: string): ServiceExit | undefined {
    return this.#get(name).exit;
  }

  /** Every JSON line the service has logged so far (other lines, e.g. stack traces, are skipped). */
  events(name: string, event?: string): ServiceEvent[] {
    const file = this.#get(name).logFile;
    if (!existsSync(file)) return [];
    const out: ServiceEvent[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const e = JSON.parse(line) as ServiceEvent;
        if (typeof e.event === 'string' && (event === undefined || e.event === event)) out.push(e);
      } catch {
        /* a partial last line */
      }
    }
    return out;
  }

  /** The last lines of a service's log (without stack frames), for evidence when something went wrong. */
  logTail(name: string, lines = 8): string[] {
    const file = this.#get(name).logFile;
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n')
      .filter((l) => l.trim() !== '' && !/^\s+at /.test(l) && !/^Node\.js v/.test(l))
      .slice(-lines);
  }

  /** Waits until the service logged `event` (matching `pred`); fails early when it exited. */
  async waitForEvent(name: string, event: string, opts: { timeoutMs: number; signal?: AbortSignal; pred?: (e: ServiceEvent) => boolean }): Promise<ServiceEvent> {
    return waitUntil((note) => {
      const hit = this.events(name, event).find((e) => opts.pred?.(e) ?? true);
      if (hit) return hit;
      const exit = this.exitOf(name);
      if (exit) throw new StopWaiting(`${name} exited (${exit.signal ?? `code ${exit.code}`}): ${this.logTail(name, 3).join(' | ')}`);
      note(`${name} has not logged "${event}" yet`);
      return undefined;
    }, { what: `${name} to log "${event}"`, timeoutMs: opts.timeoutMs, signal: opts.signal });
  }

  /** Waits for the process to exit on its own; undefined after `timeoutMs`; rejects when `signal` aborts. */
  async waitExit(name: string, timeoutMs: number, signal?: AbortSignal): Promise<ServiceExit | undefined> {
    const r = this.#get(name);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<undefined>((resolve, reject) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      onAbort = () => reject(signal!.reason instanceof Error ? signal!.reason : new Error('interrupted'));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([r.exited, timeout]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited and how long it took. */
  async stop(name: string, graceMs = 10_000): Promise<ServiceExit & { ms: number; killed: boolean; alreadyExited: boolean }> {
    const r = this.#get(name);
    const t0 = Date.now();
    if (r.exit) return { ...r.exit, ms: 0, killed: false, alreadyExited: true };
    r.child.kill('SIGTERM');
    let exit = await this.waitExit(name, graceMs);
    let killed = false;
    if (!exit) {
      killed = true;
      r.child.kill('SIGKILL');
      exit = await r.exited;
    }
    return { ...exit, ms: Date.now() - t0, killed, alreadyExited: false };
  }

  /** SIGKILL to every service still running: for process 'exit' handlers only. */
  killAllSync(): void {
    for (const r of this.#running.values()) {
      if (!r.exit) {
        try {
          r.child.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
  }

  #get(name: string): Running {
    const r = this.#running.get(name);
    if (!r) throw new Error(`no service ${name}`);
    return r;
  }
}
