/** `jetkeeper crds`: the jetstream.nats.io/v1beta2 CRDs this jetkeeper version expects (`--write DIR` writes one file per kind). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { allCrdFiles, allCrds } from '../kube/crds.js';
import { action, emit, globalOptions } from './common.js';

export function crdsCommand(program: Command): void {
  program
    .command('crds')
    .description('print the Kubernetes CRDs (Stream, Consumer, KeyValue, ObjectStore, Account; NACK\'s names) generated from the schemas as YAML, or write them with --write DIR')
    .option('--write <dir>', 'write <plural>.yaml for every kind into DIR (deploy/crds and deploy/helm/jetkeeper/files/crds in this repository)')
    .action(action(async (opts: { write?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const files = allCrdFiles();
      if (opts.write) {
        await mkdir(opts.write, { recursive: true });
        for (const [file, text] of Object.entries(files)) await writeFile(join(opts.write, file), text);
        emit(o, { written: Object.keys(files).map((f) => join(opts.write!, f)) }, () => `wrote ${Object.keys(files).length} CRDs to ${opts.write}`);
        return 0;
      }
      if (o.output === 'text') process.stdout.write(Object.values(files).map((t) => `---\n${t}`).join(''));
      else emit(o, { crds: allCrds() }, () => '');
      return 0;
    }));
}
