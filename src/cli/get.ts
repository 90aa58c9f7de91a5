/** `jetkeeper get streams|consumers|kv|objectstores|accounts`: what is on the server now, as the rows of src/plan/inventory.ts. */
import type { Command } from 'commander';
import { JkError } from '../errors.js';
import { accountRow, consumerRows, rowCell, streamRows, type Row } from '../plan/inventory.js';
import { kindByAlias } from '../resources/index.js';
import { action, emit, globalOptions, table, withAdmin } from './common.js';

/** The text table of `get`. */
export function rowsTable(rows: Row[]): string {
  return table(Object.keys(rows[0]!).map((h) => h.toUpperCase()), rows.map((r) => Object.values(r).map(rowCell)));
}

export function getCommand(program: Command): void {
  program
    .command('get')
    .description('list what is on the server: streams, consumers, kv, objectstores, accounts')
    .argument('<what>', 'streams | consumers | kv | objectstores | accounts')
    .option('--stream <name>', 'consumers of this stream only')
    .action(action(async (what: string, opts: { stream?: string }, cmd: Command) => {
      const o = globalOptions(cmd);
      const kind = kindByAlias(what);
      if (!kind) throw new JkError('JK1012', { message: `cannot get "${what}"`, fix: 'use streams, consumers, kv, objectstores or accounts' });
      const rows = await withAdmin(o, async (admin): Promise<Row[]> => {
        if (kind.kind === 'Account') return [accountRow(admin.serverVersion, await admin.accountInfo())];
        const live = await admin.readLive({ streams: opts.stream ? (n) => n === opts.stream : undefined });
        return kind.kind === 'Consumer' ? consumerRows(live) : streamRows(live, kind.kind);
      });
      emit(o, rows, () => (rows.length ? rowsTable(rows) : `No ${kind.plural} found.`));
    }));
}
