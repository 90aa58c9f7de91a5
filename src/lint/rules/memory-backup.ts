/**
 * JKL017: a memory stream with a backup policy (annotation jetkeeper.io/backup): data worth a
 * backup is data worth keeping on disk, and a memory stream loses everything after the last
 * backup on any restart.
 */
import { ANNOTATIONS } from '../context.js';
import type { Rule } from '../types.js';
import { at, spec } from './util.js';

export const memoryBackup: Rule = {
  id: 'JKL017',
  name: 'memory-stream-backup',
  severity: 'warning',
  title: 'a memory stream with a backup policy: what is worth a backup is worth file storage',
  fix: 'set storage: file (and keep the backups), or drop the backup annotation',
  fields: ['stream.storage'],
  check: (ctx) => ctx.streams()
    .filter((s) => s.spec.storage === 'memory' && (ctx.annotations(s)[ANNOTATIONS.backup] ?? 'false') !== 'false')
    .map((s) => at(s, spec('storage'), `stream ${s.spec.name} is in memory but has a backup policy (${ANNOTATIONS.backup}: ${JSON.stringify(ctx.annotations(s)[ANNOTATIONS.backup])})`)),
};
