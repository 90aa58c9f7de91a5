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
import { startCluster, type LocalCluster, type StartClusterOptions } from '../../src/local/cluster.js';
import { natsServerBin, scratchDir } from './scratch.js';

/** The nats-server binary the integration tests run. */
export function testServerBin(): string {
  return natsServerBin(process.env.JETKEEPER_TEST_NATS_SERVER);
}

/** A fresh temp dir, removed on process exit. */
export function makeTempDir(prefix = 'jetkeeper-test-'): string {
  return scratchDir(prefix).dir;
}

export interface TestClusterOptions extends Partial<Omit<StartClusterOptions, 'servers' | 'dir'>> {
  bin?: string;
}

/**
 * Starts an `n`-server cluster (1, 3 or 5) of real nats-servers on free 127.0.0.1 ports in a fresh
 * temp dir, not detached, and waits until it is ready. Call `stop({ purge: true })` in `after()`.
 */
export async function startTestCluster(n: number, opts: TestClusterOptions = {}): Promise<LocalCluster> {
  const bin = opts.bin ?? testServerBin();
  const entry = scratchDir(`jetkeeper-test-${n}n-`);
  entry.cluster = await startCluster({ ...opts, servers: n, dir: entry.dir, bin, detached: false });
  return entry.cluster;
}
