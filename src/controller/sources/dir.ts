/**
 * The directory source: GitOps without Kubernetes. Watches a directory recursively (debounced),
 * re-reads and validates every manifest with the same loader and validator as `apply`, and
 * feeds one item per declared resource (keyed `Stream/ORDERS`, `Consumer/ORDERS/c`, ...):
 * - a file that fails to parse marks the resources it held InvalidManifest; nothing is touched;
 * - a resource no file declares any more is removed (the controller prunes it, owner tag and
 *   mass-delete guard as `apply --prune`);
 * - policies come from annotations (`jetkeeper.io/deletion-policy`, `jetkeeper.io/managed`,
 *   `jetkeeper.io/allow-replace`, `jetkeeper.io/adopt`) and spec.preventDelete.
 * Statuses are kept in memory and, when asked, written to a JSON file (atomically).
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { JkError } from '../../errors.js';
import { parseManifests, type ManifestDocument } from '../../manifests/load.js';
import { manifestFiles } from '../../manifests/files.js';
import { validateDocuments, type Resource } from '../../manifests/validate.js';
import { policyItems } from '../backup-items.js';
import {
  DEFAULT_POLICY, type BackupPolicyStatus, type ControllerSource, type EventReason, type EventType, type ItemPolicy, type ItemStatus, type PolicyItem, type SourceItem, type SourceSink,
} from '../source.js';

export interface DirectorySourceOptions {
  /** wait this long after the last change before re-reading (default 300 ms) */
  debounceMs?: number;
  /** write every status change to this JSON file */
  statusFile?: string;
  /** policy defaults before annotations */
  policy?: Partial<ItemPolicy>;
  /** told of read errors of the directory itself (the watch keeps going) */
  onError?: (e: JkError) => void;
  /** events (the directory has no event store): default none */
  onEvent?: (key: string, type: EventType, reason: EventReason, message: string) => void;
}

export interface DirectoryStatus {
  source: string;
  items: Record<string, ItemStatus>;
  /** BackupPolicy documents, by key (`BackupPolicy/<name>`) */
  backupPolicies: Record<string, BackupPolicyStatus>;
  events: { key: string; type: EventType; reason: EventReason; message: string; time: string }[];
}

const MAX_EVENTS = 200;

function annotationsOf(doc: ManifestDocument | undefined): Record<string, unknown> {
  const md = doc?.data.metadata as { annotations?: Record<string, unknown> } | undefined;
  return md?.annotations && typeof md.annotations === 'object' ? md.annotations : {};
}

/** The item policy from the defaults, the annotations and spec.preventDelete. */
export function policyOf(r: Resource | undefined, doc: ManifestDocument | undefined, defaults: Partial<ItemPolicy> = {}): ItemPolicy {
  const a = annotationsOf(doc);
  const flag = (k: string) => (a[k] === undefined ? undefined : String(a[k]) === 'true');
  const deletion = a['jetkeeper.io/deletion-policy'] === 'orphan' ? 'orphan' : a['jetkeeper.io/deletion-policy'] === 'delete' ? 'delete' : undefined;
  const base = { ...DEFAULT_POLICY, ...defaults };
  return {
    deletion: deletion ?? base.deletion,
    managed: a['jetkeeper.io/managed'] === undefined ? base.managed : String(a['jetkeeper.io/managed']) !== 'false',
    allowReplace: flag('jetkeeper.io/allow-replace') ?? base.allowReplace,
    adopt: flag('jetkeeper.io/adopt') ?? base.adopt,
    preventDelete: !!(r?.spec as { preventDelete?: boolean } | undefined)?.preventDelete || base.preventDelete,
  };
}

/** A key for a document that did not validate, from what it says (so it matches the resource it was before). */
function guessKey(doc: ManifestDocument, rel: string): string {
  const kind = typeof doc.data.kind === 'string' ? doc.data.kind : '';
  const spec = (doc.data.spec ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  if (kind === 'Consumer' && str(spec.streamName) && str(spec.durableName ?? spec.name)) return `Consumer/${str(spec.streamName)}/${str(spec.durableName ?? spec.name)}`;
  const name = kind === 'Account' ? str((doc.data.metadata as { name?: unknown } | undefined)?.name) : str(spec.name ?? spec.bucket);
  return kind && name ? `${kind}/${name}` : `${rel}#${doc.index}`;
}

interface Scan {
  items: Map<string, Omit<SourceItem, 'generation'> & { file: string }>;
  policies: Map<string, Omit<PolicyItem, 'generation'>>;
}

export class DirectorySource implements ControllerSource {
  readonly name: string;
  private sink?: SourceSink;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private again = false;
  private watching = false;
  private current = new Map<string, SourceItem & { file: string }>();
  private readonly fingerprints = new Map<string, string>();
  private readonly generations = new Map<string, number>();
  private readonly statuses = new Map<string, ItemStatus>();
  private policies = new Map<string, PolicyItem>();
  private readonly policyPrints = new Map<string, { print: string; generation: number }>();
  private readonly policyStatuses = new Map<string, BackupPolicyStatus>();
  private readonly events: DirectoryStatus['events'] = [];

  constructor(readonly dir: string, private readonly o: DirectorySourceOptions = {}) {
    this.name = `dir:${dir}`;
  }

  async start(sink: SourceSink): Promise<void> {
    this.sink = sink;
    try {
      this.watcher = watch(this.dir, { recursive: true }, () => this.changed());
      this.watcher.on('error', (e) => this.o.onError?.(new JkError('JK5004', { message: `watching ${this.dir} failed: ${e.message}`, fix: 'check the directory exists and is readable; the controller re-reads it at each resync' })));
    } catch (e) {
      throw new JkError('JK5004', { message: `cannot watch ${this.dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, option: 'source', fix: 'give an existing, readable directory as dir:PATH' });
    }
    this.watching = true;
    await this.rescan();
    sink.synced();
  }

  async stop(): Promise<void> {
    this.watching = false;
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
  }

  ready(): boolean {
    return this.watching;
  }

  report(key: string, status: ItemStatus): Promise<void> {
    this.statuses.set(key, status);
    return this.writeStatus();
  }

  reportBackupPolicy(key: string, status: BackupPolicyStatus): Promise<void> {
    this.policyStatuses.set(key, status);
    return this.writeStatus();
  }

  event(key: string, type: EventType, reason: EventReason, message: string): void {
    this.events.push({ key, type, reason, message, time: new Date().toISOString() });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.o.onEvent?.(key, type, reason, message);
  }

  /** What GET /status and the status file show of this source. */
  status(): DirectoryStatus {
    const items = Object.fromEntries([...this.statuses].filter(([k]) => this.current.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
    const backupPolicies = Object.fromEntries([...this.policyStatuses].filter(([k]) => this.policies.has(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
    return { source: this.name, items, backupPolicies, events: [...this.events] };
  }

  /** Re-reads now (normally after a debounced change). */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = this.scanLoop().finally(() => { this.scanning = undefined; });
    return this.scanning;
  }

  private changed(): void {
    if (!this.watching) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.rescan(), this.o.debounceMs ?? 300);
  }

  private async scanLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        this.apply(await this.scan());
      } catch (e) {
        // the directory itself cannot be read (gone for a moment, permissions): keep everything as it was
        this.o.onError?.(e instanceof JkError ? e : new JkError('JK5004', { message: `cannot read ${this.dir}: ${String(e)}`, fix: 'check the directory' }));
      }
    } while (this.again && this.watching);
  }

  private async scan(): Promise<Scan> {
    const files = await manifestFiles(this.dir);
    const docs: ManifestDocument[] = [];
    const items: Scan['items'] = new Map();
    for (const file of files) {
      try {
        docs.push(...parseManifests(await readFile(file, 'utf8'), file));
      } catch (e) {
        this.brokenFile(file, e, items);
      }
    }
    const v = validateDocuments(docs);
    for (const r of v.resources) {
      items.set(r.key, { key: r.key, resource: r, policy: policyOf(r, r.doc, this.o.policy), origin: this.where(r.doc), file: r.doc?.file ?? '' });
    }
    this.invalidDocs(docs, v.resources, v.errors, items);
    const policies = new Map(policyItems(docs, (d) => this.where(d)).map((p) => [p.key, p]));
    return { items, policies };
  }

  private where(doc: ManifestDocument | undefined): string | undefined {
    if (!doc) return undefined;
    const at = doc.positionOf([]);
    return `${relative(this.dir, doc.file) || doc.file}:${at.line}`;
  }

  /** A file that does not parse: every resource it held before stays, marked invalid. */
  private brokenFile(file: string, e: unknown, items: Scan['items']): void {
    const err = e instanceof JkError ? e : new JkError('JK1001', { message: `cannot read ${file}: ${String(e)}`, at: { file, line: 1, col: 1 } });
    const before = [...this.current.values()].filter((i) => i.file === file);
    const rel = relative(this.dir, file) || file;
    if (!before.length) items.set(`${rel}#file`, { key: `${rel}#file`, errors: [err], policy: { ...DEFAULT_POLICY }, origin: rel, file });
    for (const i of before) items.set(i.key, { key: i.key, errors: [err], policy: i.policy, origin: i.origin, file });
  }

  /** Documents that did not become resources, each with its errors (by file and line). */
  private invalidDocs(docs: readonly ManifestDocument[], resources: readonly Resource[], errors: readonly JkError[], items: Scan['items']): void {
    const valid = new Set(resources.map((r) => r.doc));
    const starts = docs.map((d) => ({ d, line: d.positionOf([]).line }));
    for (const [i, { d, line }] of starts.entries()) {
      if (valid.has(d)) continue;
      const next = starts[i + 1]?.d.file === d.file ? starts[i + 1].line : Infinity;
      const mine = errors.filter((e) => e.at?.file === d.file && e.at.line >= line && e.at.line < next);
      if (!mine.length) continue; // skipped: not a jetstream.nats.io document
      const rel = relative(this.dir, d.file) || d.file;
      let key = guessKey(d, rel);
      if (items.has(key) && items.get(key)!.resource) key = `${rel}#${d.index}`;
      const prev = this.current.get(key);
      items.set(key, { key, errors: mine, policy: prev?.policy ?? { ...DEFAULT_POLICY }, origin: this.where(d), file: d.file });
    }
  }

  private apply(scan: Scan): void {
    const next = new Map<string, SourceItem & { file: string }>();
    for (const [key, item] of scan.items) {
      const print = JSON.stringify([item.resource?.spec, item.resource?.name, item.policy, item.errors?.map((e) => e.format())]);
      if (this.fingerprints.get(key) !== print) {
        this.fingerprints.set(key, print);
        this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      }
      next.set(key, { ...item, generation: this.generations.get(key)! });
    }
    const previous = this.current;
    this.current = next;
    for (const [key, item] of next) if (previous.get(key)?.generation !== item.generation) this.sink?.upsert(item);
    for (const key of previous.keys()) {
      if (next.has(key)) continue;
      this.fingerprints.delete(key);
      this.statuses.delete(key);
      this.sink?.remove(key);
    }
    this.applyPolicies(scan.policies);
    void this.writeStatus();
  }

  private applyPolicies(scanned: Scan['policies']): void {
    const next = new Map<string, PolicyItem>();
    for (const [key, p] of scanned) {
      const print = JSON.stringify([p.policy ?? null, p.errors?.map((e) => e.format()) ?? []]);
      const prev = this.policyPrints.get(key);
      const generation = prev?.print === print ? prev.generation : (prev?.generation ?? 0) + 1;
      this.policyPrints.set(key, { print, generation });
      next.set(key, { ...p, generation });
    }
    const previous = this.policies;
    this.policies = next;
    for (const [key, p] of next) if (previous.get(key)?.generation !== p.generation) this.sink?.upsertBackupPolicy?.(p);
    for (const key of previous.keys()) {
      if (next.has(key)) continue;
      this.policyPrints.delete(key);
      this.policyStatuses.delete(key);
      this.sink?.removeBackupPolicy?.(key);
    }
  }

  private writes: Promise<void> = Promise.resolve();

  /** Writes the status file; writes run one after the other, each with the state at its turn. */
  private writeStatus(): Promise<void> {
    if (!this.o.statusFile) return Promise.resolve();
    this.writes = this.writes.then(() => this.writeStatusNow(this.o.statusFile!));
    return this.writes;
  }

  private async writeStatusNow(file: string): Promise<void> {
    const tmp = `${file}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, JSON.stringify(this.status(), null, 2) + '\n');
      await rename(tmp, file);
    } catch (e) {
      this.o.onError?.(new JkError('JK5005', { message: `cannot write the status file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, option: 'statusFile', fix: 'give a writable path for `statusFile`' }));
    }
  }
}
