/**
 * `migrate stream NAME --subjects ...`: moves a stream to a narrower subject set, safely and step
 * by step: verified backup → new stream sourcing only the kept subjects from the old one →
 * consumers recreated at the matching sequence → cutover (the new stream takes the subjects) →
 * the old stream is kept until confirmed. Every step is recorded in a state file, so a run that
 * stopped resumes where it left off.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';
import type { JetStreamAdmin, JsonConfig } from '../nats/admin.js';
import { consumerPositions, replayStream, streamInfoRaw } from '../nats/snapshot.js';
import { subjectIsSubsetMatch } from '../resources/subjects.js';
import { backupStream } from './backup.js';
import { writeAtomic } from './format.js';
import { verifyBackup } from './verify.js';

export const MIGRATE_STEPS = ['backup', 'create', 'catch-up', 'consumers', 'cutover', 'delete-old'] as const;
export type MigrateStep = (typeof MIGRATE_STEPS)[number];

export interface MigrateOptions {
  stream: string;
  subjects: string[];
  /** new stream name (default `<stream>_V2`) */
  to?: string;
  /** where the verified backup goes (the state file sits beside it) */
  backupDir: string;
  dryRun?: boolean;
  /** delete the old stream (only after cutover) */
  confirm?: boolean;
  /** how long to wait for the new stream to catch up (default 60 s) */
  catchUpTimeoutMs?: number;
  onStep?: (step: MigrateStep, detail: string) => void;
}

export interface MigratePlan {
  stream: string;
  to: string;
  subjects: { from: string[]; to: string[] };
  keeps: Record<string, number>;
  /** subjects (with message counts) that leave: not in the new stream */
  leaves: Record<string, number>;
  consumers: { name: string; filter: string[]; action: 'recreate' | 'left-behind' }[];
  steps: { step: MigrateStep; done: boolean; detail?: string }[];
  stateFile: string;
}

export interface MigrateState {
  stream: string;
  to: string;
  subjects: string[];
  done: Partial<Record<MigrateStep, { at: string; detail: string }>>;
}

function stateFile(o: MigrateOptions): string {
  return join(o.backupDir, `migrate-${o.stream}.json`);
}

function readState(o: MigrateOptions, to: string): MigrateState {
  const f = stateFile(o);
  if (!existsSync(f)) return { stream: o.stream, to, subjects: o.subjects, done: {} };
  const s = JSON.parse(readFileSync(f, 'utf8')) as MigrateState;
  if (s.to !== to || JSON.stringify(s.subjects) !== JSON.stringify(o.subjects)) {
    throw new JkError('JK7012', { message: `${f} records a migration of ${s.stream} to ${s.to} with subjects ${s.subjects.join(',')}`, resource: `Stream/${o.stream}`, fix: 'run it again with the same `subjects` to resume it, or remove the state file to start over' });
  }
  return s;
}

const kept = (subject: string, filters: string[]) => filters.some((f) => subjectIsSubsetMatch(subject, f));

function consumerFilters(cfg: JsonConfig): string[] {
  const many = cfg.filter_subjects as string[] | undefined;
  const one = cfg.filter_subject as string | undefined;
  return many?.length ? many : one ? [one] : [];
}

/** What the migration would do and what it would leave behind, from the server's per-subject counts. */
export async function planMigration(admin: JetStreamAdmin, o: MigrateOptions): Promise<MigratePlan> {
  const to = o.to ?? `${o.stream}_V2`;
  const info = await streamInfoRaw(admin, o.stream, '>');
  const state = readState(o, to);
  if (!info && !state.done.cutover) throw new JkError('JK7012', { message: `stream ${o.stream} not found`, resource: `Stream/${o.stream}`, fix: 'name the stream to migrate (`jetkeeper get streams`)' });
  if (!o.subjects.length) throw new JkError('JK7012', { message: 'no subjects given for the new stream', option: 'subjects', fix: 'pass the subjects the stream keeps, e.g. `subjects` orders.created,orders.paid' });
  const counts = ((info?.state as JsonConfig | undefined)?.subjects ?? {}) as Record<string, number>;
  const keeps: Record<string, number> = {};
  const leaves: Record<string, number> = {};
  for (const [subj, n] of Object.entries(counts)) (kept(subj, o.subjects) ? keeps : leaves)[subj] = n;
  const consumers = info ? (await consumerInfos(admin, o.stream)).map((c) => {
    const filter = consumerFilters(c.config);
    return { name: c.name, filter, action: (filter.length === 0 || filter.some((f) => o.subjects.some((s) => subjectIsSubsetMatch(f, s)))) ? 'recreate' as const : 'left-behind' as const };
  }) : [];
  return {
    stream: o.stream, to, subjects: { from: ((info?.config as JsonConfig | undefined)?.subjects ?? []) as string[], to: o.subjects }, keeps, leaves, consumers,
    steps: MIGRATE_STEPS.map((step) => ({ step, done: !!state.done[step], detail: state.done[step]?.detail })), stateFile: stateFile(o),
  };
}

async function consumerInfos(admin: JetStreamAdmin, stream: string): Promise<{ name: string; config: JsonConfig }[]> {
  const out: { name: string; config: JsonConfig }[] = [];
  for await (const ci of admin.jsm.consumers.list(stream)) out.push({ name: ci.name, config: ci.config as unknown as JsonConfig });
  return out;
}

type Runner = (admin: JetStreamAdmin, o: MigrateOptions, plan: MigratePlan) => Promise<string>;

const runners: Record<MigrateStep, Runner> = {
  backup: stepBackup,
  create: stepCreate,
  'catch-up': stepCatchUp,
  consumers: stepConsumers,
  cutover: stepCutover,
  'delete-old': stepDeleteOld,
};

/** Runs the migration (or, with `dryRun`, only plans it); resumes from the state file; stops before deleting the old stream unless `confirm`. */
export async function migrateStream(admin: JetStreamAdmin, o: MigrateOptions): Promise<MigratePlan> {
  const plan = await planMigration(admin, o);
  if (o.dryRun) return plan;
  const state = readState(o, plan.to);
  for (const step of MIGRATE_STEPS) {
    if (state.done[step]) continue;
    if (step === 'delete-old' && !o.confirm) break;
    const detail = await runners[step](admin, o, plan);
    state.done[step] = { at: new Date().toISOString(), detail };
    writeAtomic(stateFile(o), JSON.stringify(state, null, 2) + '\n');
    o.onStep?.(step, detail);
  }
  return planMigration(admin, o);
}

async function stepBackup(admin: JetStreamAdmin, o: MigrateOptions): Promise<string> {
  const dir = join(o.backupDir, o.stream);
  if (!existsSync(join(dir, 'backup.json'))) await backupStream(admin, o.stream, dir);
  const v = await verifyBackup(admin, dir);
  if (!v.ok) throw new JkError('JK7010', { message: `the backup of ${o.stream} in ${dir} did not verify: ${v.checks.filter((c) => !c.ok).map((c) => c.name).join(', ')}`, resource: `Stream/${o.stream}`, fix: 'nothing was changed; investigate with `jetkeeper backup verify`, remove the backup and run the migration again' });
  return `verified backup in ${dir}`;
}

async function stepCreate(admin: JetStreamAdmin, o: MigrateOptions, plan: MigratePlan): Promise<string> {
  if (await admin.streamInfo(plan.to)) return `${plan.to} exists already`;
  const old = (await admin.streamInfo(o.stream))!.config;
  const config: JsonConfig = { ...structuredClone(old), name: plan.to, subjects: undefined, sources: [{ name: o.stream, subject_transforms: o.subjects.map((s) => ({ src: s, dest: s })) }] };
  for (const k of ['mirror', 'first_seq', 'sealed']) delete config[k];
  delete config.subjects;
  await admin.createStream(config);
  return `${plan.to} sources ${o.subjects.join(', ')} from ${o.stream}`;
}

async function stepCatchUp(admin: JetStreamAdmin, o: MigrateOptions, plan: MigratePlan): Promise<string> {
  const until = Date.now() + (o.catchUpTimeoutMs ?? 60_000);
  const want = Object.values(plan.keeps).reduce((a, b) => a + b, 0);
  for (;;) {
    const info = (await streamInfoRaw(admin, plan.to))!;
    const src = ((info.sources ?? []) as { lag?: number; active?: number }[])[0];
    const have = Number((info.state as JsonConfig).messages ?? 0);
    if (src && src.lag === 0 && have >= want) return `${have} messages in ${plan.to}`;
    if (Date.now() > until) throw new JkError('JK7012', { message: `${plan.to} has ${have} of ${want} messages after the wait (source lag ${src?.lag ?? '?'})`, resource: `Stream/${plan.to}`, transient: true, fix: 'run the migration again: it resumes and waits again' });
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The first sequence of `to` whose message came from an origin sequence after `originSeq` (Nats-Stream-Source header). */
async function mappedStart(admin: JetStreamAdmin, to: string, originSeq: number): Promise<number | undefined> {
  let found: number | undefined;
  await replayStream(admin, to, (m) => {
    const origin = Number((m.headers?.get('Nats-Stream-Source') ?? '').split(' ')[1] ?? 0);
    if (origin > originSeq) {
      found = m.seq;
      return true;
    }
    return false;
  });
  return found;
}

async function stepConsumers(admin: JetStreamAdmin, o: MigrateOptions, plan: MigratePlan): Promise<string> {
  const positions = await consumerPositions(admin, o.stream);
  const infos = await consumerInfos(admin, o.stream);
  const done: string[] = [];
  for (const c of plan.consumers.filter((x) => x.action === 'recreate')) {
    const cfg = structuredClone(infos.find((i) => i.name === c.name)!.config);
    const floor = positions.find((p) => p.name === c.name)?.ackFloor ?? 0;
    const start = floor > 0 ? await mappedStart(admin, plan.to, floor) : 1;
    for (const k of ['deliver_policy', 'opt_start_seq', 'opt_start_time']) delete cfg[k];
    const next: JsonConfig = start === undefined ? { ...cfg, deliver_policy: 'new' } : { ...cfg, deliver_policy: 'by_start_sequence', opt_start_seq: start };
    if (!(await admin.consumerInfo(plan.to, c.name))) await admin.createConsumer(plan.to, next);
    done.push(`${c.name}@${start ?? 'new'}`);
  }
  return done.length ? `recreated ${done.join(', ')}` : 'no consumers to recreate';
}

async function stepCutover(admin: JetStreamAdmin, o: MigrateOptions, plan: MigratePlan): Promise<string> {
  const old = (await admin.streamInfo(o.stream))?.config;
  if (old) await admin.updateStream(o.stream, { ...old, subjects: [`$JKMIGRATED.${o.stream}`] });
  await stepCatchUp(admin, { ...o, catchUpTimeoutMs: o.catchUpTimeoutMs ?? 30_000 }, { ...plan, keeps: {} });
  const cfg = (await admin.streamInfo(plan.to))!.config;
  await admin.updateStream(plan.to, { ...cfg, subjects: o.subjects, sources: undefined });
  return `${plan.to} now takes ${o.subjects.join(', ')}; ${o.stream} kept (subjects moved to $JKMIGRATED.${o.stream}) until confirmed`;
}

async function stepDeleteOld(admin: JetStreamAdmin, o: MigrateOptions): Promise<string> {
  if (await admin.streamInfo(o.stream)) await admin.deleteStream(o.stream);
  return `${o.stream} deleted (its verified backup stays in ${join(o.backupDir, o.stream)})`;
}
