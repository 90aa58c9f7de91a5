/**
 * Temp dirs and the local clusters started in them, for integration tests (helpers/servers.ts) and
 * benchmarks (bench/lib.ts). As a safety net (a test that throws before its after(), a Ctrl-C, a
 * benchmark's deadline), every cluster registered here is SIGKILLed and its dir removed when the
 * process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir, findNatsServer } from '../../src/local/binary.js';
import type { LocalCluster } from '../../src/local/cluster.js';

/** jetkeeper's cache dir ($JETKEEPER_CACHE or ~/.cache/jetkeeper). */
export function jetkeeperCacheDir(): string {
  return defaultCacheDir(homedir(), process.env.JETKEEPER_CACHE);
}

/** The nats-server binary: `explicit` if given, else $JETKEEPER_NATS_SERVER, `<cache>/bin/nats-server`, PATH. */
export function natsServerBin(explicit: string | undefined): string {
  return findNatsServer({ explicit, envPath: process.env.JETKEEPER_NATS_SERVER, cacheDir: jetkeeperCacheDir(), pathEnv: process.env.PATH });
}

/** A temp dir, and the cluster once one is started in it. */
export interface Scratch {
  dir: string;
  cluster?: LocalCluster;
}

const live = new Set<Scratch>();
let handlersInstalled = false;

/** SIGKILLs every registered cluster and removes every registered dir (synchronous: for exit handlers). */
export function cleanupSync(): void {
  for (const entry of live) {
    try {
      entry.cluster?.killAllSync();
    } catch {
      /* best effort */
    }
    try {
      rmSync(entry.dir, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  live.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupSync);
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(sig, () => {
      cleanupSync();
      process.exit(code);
    });
  }
}

/** A fresh temp dir, cleaned up on process exit (set `cluster` once one runs in it). */
export function scratchDir(prefix: string): Scratch {
  installHandlers();
  const entry: Scratch = { dir: mkdtempSync(join(tmpdir(), prefix)) };
  live.add(entry);
  return entry;
}

/** Takes a dir the caller cleaned up itself off the exit list. */
export function forgetScratch(entry: Scratch): void {
  live.delete(entry);
}
