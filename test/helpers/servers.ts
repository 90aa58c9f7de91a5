/**
 * Real nats-server clusters for integration tests.
 *
 *   const cluster = await startTestCluster(3);
 *   after(() => cluster.stop({ purge: true }));
 *
 * Each cluster lives in a fresh temp dir. As a safety net (a test that throws before its after(), a
 * Ctrl-C), every cluster started here is SIGKILLed and its dir removed when the process exits.
 *
 * Binary: $JETKEEPER_TEST_NATS_SERVER (e.g. `<cache>/debian/nats-server` to run the suite against
 * Debian's 2.9.10), else the normal lookup: $JETKEEPER_NATS_SERVER, `<cache>/bin/nats-server`, PATH.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir, findNatsServer } from '../../src/local/binary.js';
import { startCluster, type LocalCluster, type StartClusterOptions } from '../../src/local/cluster.js';

/** The nats-server binary the integration tests run. */
export function testServerBin(): string {
  return findNatsServer({
    explicit: process.env.JETKEEPER_TEST_NATS_SERVER,
    envPath: process.env.JETKEEPER_NATS_SERVER,
    cacheDir: testCacheDir(),
    pathEnv: process.env.PATH,
  });
}

/** jetkeeper's cache dir as the tests see it ($JETKEEPER_CACHE or ~/.cache/jetkeeper). */
export function testCacheDir(): string {
  return defaultCacheDir(homedir(), process.env.JETKEEPER_CACHE);
}

const live = new Set<{ cluster?: LocalCluster; dir: string }>();
let handlersInstalled = false;

function cleanupSync(): void {
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

/** A fresh temp dir, removed on process exit. */
export function makeTempDir(prefix = 'jetkeeper-test-'): string {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  live.add({ dir });
  return dir;
}

export interface TestClusterOptions extends Partial<Omit<StartClusterOptions, 'servers' | 'dir'>> {
  bin?: string;
}

/**
 * Starts an `n`-server cluster (1, 3 or 5) of real nats-servers on free 127.0.0.1 ports in a fresh
 * temp dir, not detached, and waits until it is ready. Call `stop({ purge: true })` in `after()`.
 */
export async function startTestCluster(n: number, opts: TestClusterOptions = {}): Promise<LocalCluster> {
  installHandlers();
  const bin = opts.bin ?? testServerBin();
  const dir = mkdtempSync(join(tmpdir(), `jetkeeper-test-${n}n-`));
  const entry: { cluster?: LocalCluster; dir: string } = { dir };
  live.add(entry);
  entry.cluster = await startCluster({ ...opts, servers: n, dir, bin, detached: false });
  return entry.cluster;
}
