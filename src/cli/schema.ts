/** `jetkeeper schema [KIND]`: the JSON Schema of a kind's manifest; `--write DIR` writes all of them. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { allJsonSchemas, manifestJsonSchema } from '../manifests/jsonschema.js';
import { kindByAlias } from '../resources/index.js';
import { action } from './common.js';

export function schemaCommand(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of a kind (for editors: yaml-language-server), or write all with --write DIR')
    .argument('[kind]', 'Stream | Consumer | KeyValue | ObjectStore | Account')
    .option('--write <dir>', 'write <plural>.json for every kind into DIR')
    .action(action(async (kindArg: string | undefined, opts: { write?: string }) => {
      if (opts.write) {
        await mkdir(opts.write, { recursive: true });
        for (const [file, schema] of Object.entries(allJsonSchemas())) await writeFile(join(opts.write, file), JSON.stringify(schema, null, 2) + '\n');
        return 0;
      }
      const kind = kindArg ? kindByAlias(kindArg) : undefined;
      if (!kind) throw new JkError('JK1012', { message: `unknown kind ${JSON.stringify(kindArg ?? '')}`, fix: 'pass Stream, Consumer, KeyValue, ObjectStore or Account' });
      process.stdout.write(JSON.stringify(manifestJsonSchema(kind.kind), null, 2) + '\n');
      return 0;
    }));
}
