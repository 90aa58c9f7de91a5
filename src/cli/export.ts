/** `jetkeeper export`: live streams, consumers and buckets as manifests (adopt what exists). */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { exportManifests } from '../manifests/export.js';
import { action, globalOptions, withAdmin } from './common.js';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description('write the live JetStream assets as jetstream.nats.io/v1beta2 manifests (YAML, or -o json)')
    .option('--stream <name...>', 'only these streams and their consumers')
    .option('--owned', 'only resources jetkeeper applied with this --owner')
    .action(action(async (opts: { stream?: string[]; owned?: boolean }, cmd: Command) => {
      const o = globalOptions(cmd);
      const live = await withAdmin(o, (admin) => admin.readLive());
      const manifests = exportManifests(live, { streams: opts.stream, owner: opts.owned ? o.owner : undefined });
      if (o.output === 'json') process.stdout.write(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifests }, null, 2) + '\n');
      else process.stdout.write(manifests.map((m) => stringify(m)).join('---\n'));
    }));
}
