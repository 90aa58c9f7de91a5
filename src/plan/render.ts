/** Plan rendering: a readable diff for people and a stable JSON shape for tools. */
import { escapeControlLines } from '../errors.js';
import { formatDuration } from '../resources/duration.js';
import { kindByName } from '../resources/index.js';
import type { Action, Change, FieldChange, Plan, PruneGuard } from './plan.js';
import { limitText, pruneRefusal, summarize } from './plan.js';

const SYMBOL: Record<Action, string> = {
  create: '+', update: '~', replace: '-/+', delete: '-', unsupported: '!', skip: '=', noop: ' ',
};

/** Formats a value of an API field the way a manifest writes it (durations as 24h, lists inline). */
export function formatValue(kindName: Change['kind'], apiField: string, v: unknown): string {
  if (v === undefined) return '(unset)';
  const kind = kindByName(kindName);
  if (kind?.durationFields.includes(apiField)) {
    if (typeof v === 'number') return v === 0 ? '0 (unlimited)' : formatDuration(v);
    if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'number' ? formatDuration(x) : String(x))).join(', ')}]`;
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return `[${v.join(', ')}]`;
  return JSON.stringify(v);
}

function fieldLine(c: Change, f: FieldChange): string {
  const to = formatValue(c.kind, f.apiField, f.to);
  if (c.action === 'create') return `    ${f.field}: ${to}`;
  if (f.since) return `    ${f.field}: ${to}   [needs nats-server ${f.since}]`;
  const from = formatValue(c.kind, f.apiField, f.from);
  return `    ${f.field}: ${from} → ${to}${f.immutable ? '   [forces replace]' : ''}`;
}

/** Text form, control characters escaped; `verbose` also lists unchanged resources. */
export function renderPlanText(p: Plan, opts: { verbose?: boolean; allowReplace?: boolean } = {}): string {
  const lines: string[] = [];
  for (const c of p.changes) {
    if (c.action === 'noop' && !opts.verbose) continue;
    const label = c.action === 'noop' ? 'unchanged' : c.action;
    lines.push(`${SYMBOL[c.action]} ${label.padEnd(11)} ${c.key}${c.reason ? `  (${c.reason})` : ''}`);
    for (const f of c.fields) lines.push(fieldLine(c, f));
    if (c.dataLoss) lines.push(`    DATA LOSS: ${c.dataLoss}`);
    if (c.action === 'replace' && !opts.allowReplace) lines.push('    apply refuses this without `allowReplace`');
  }
  const s = summarize(p);
  if (lines.length === 0) lines.push('No changes. The server matches the manifests.');
  if (p.prune) lines.push(pruneLine(p.prune));
  lines.push('');
  lines.push(
    `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete, ` +
      `${s.unsupported} unsupported, ${s.skip} skipped, ${s.noop} unchanged (nats-server ${p.serverVersion}).`,
  );
  return escapeControlLines(lines.join('\n'));
}

function pruneLine(g: PruneGuard): string {
  if (g.refused) return `PRUNE REFUSED: ${pruneRefusal(g).replace(/^prune refused: /, '')}. Apply deletes nothing.`;
  return `Prune: ${g.deletes} to delete of ${g.owned} owned; limit ${g.limit} (${limitText(g)}).`;
}

/** JSON form (stable shape): no resource objects, just data. */
export function planToJson(p: Plan): Record<string, unknown> {
  return {
    serverVersion: p.serverVersion,
    owner: p.owner,
    summary: summarize(p),
    ...(p.prune ? { prune: p.prune } : {}),
    changes: p.changes.map((c) => ({
      action: c.action,
      kind: c.kind,
      key: c.key,
      name: c.name,
      target: c.target,
      reason: c.reason,
      dataLoss: c.dataLoss,
      source: c.resource?.doc ? { file: c.resource.doc.file, line: c.resource.doc.positionOf([]).line } : undefined,
      fields: c.fields.map((f) => ({ field: f.field, apiField: f.apiField, from: f.from, to: f.to, immutable: f.immutable, since: f.since })),
    })),
  };
}
