/** `jetkeeper explain [KIND[.FIELD]]`: a manifest field's meaning, values, defaults, version and lint rules. */
import type { Command } from 'commander';
import { explain, renderExplain } from '../lint/explain.js';
import { action, emit, globalOptions } from './common.js';

export function explainCommand(program: Command): void {
  program
    .command('explain')
    .description('explain a manifest field (e.g. stream.retention, consumer.ackWait): meaning, allowed values, defaults, server version, lint rules')
    .argument('[field]', 'KIND.FIELD, or KIND (or a partial field name) to list fields; nothing lists the kinds')
    .action(action(async (field: string | undefined, _opts: unknown, cmd: Command) => {
      const o = globalOptions(cmd);
      const r = explain(field);
      emit(o, r, () => renderExplain(r));
      return 0;
    }));
}
