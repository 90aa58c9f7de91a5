/**
 * NATS connections the controller keeps open across passes: one per distinct set of connection
 * settings (the default one, each Account's, each item's own), opened on first use, dropped and
 * reopened after a connection failure. Keys hold no secrets in anything shown.
 */
import { JetStreamAdmin } from '../nats/admin.js';
import { settingsKey } from '../nats/overlay.js';
import type { ConnectionSettings } from '../nats/settings.js';

export type Connect = (s: ConnectionSettings) => Promise<JetStreamAdmin>;

export class ConnectionPool {
  private readonly admins = new Map<string, Promise<JetStreamAdmin>>();
  private readonly up = new Map<string, boolean>();

  constructor(private readonly open: Connect = (s) => JetStreamAdmin.connect(s)) {}

  /** The pooled connection for `s` (reconcile's `connect`: the pool keeps it open). */
  readonly connect = (s: ConnectionSettings): Promise<JetStreamAdmin> => {
    const key = settingsKey(s);
    let p = this.admins.get(key);
    if (!p) {
      p = this.open(s);
      this.admins.set(key, p);
      p.then(() => this.up.set(key, true), () => {
        this.admins.delete(key);
        this.up.set(key, false);
      });
    }
    return p;
  };

  /** After a connection failure: close and forget the connection, so the next pass opens a new one. */
  async drop(s: ConnectionSettings): Promise<void> {
    const key = settingsKey(s);
    const p = this.admins.get(key);
    this.admins.delete(key);
    this.up.set(key, false);
    if (p) await p.then((a) => a.close(), () => undefined).catch(() => undefined);
  }

  /** Every connection tried so far is up (none tried: true). */
  allUp(): boolean {
    return [...this.up.values()].every(Boolean);
  }

  async close(): Promise<void> {
    const all = [...this.admins.values()];
    this.admins.clear();
    await Promise.all(all.map((p) => p.then((a) => a.close(), () => undefined).catch(() => undefined)));
  }
}
