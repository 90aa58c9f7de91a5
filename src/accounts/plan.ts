/**
 * The plan of the security resources: for every operator, account and user, the claims its
 * JWT would carry against those of the JWT issued before (in the key store), field by field.
 * Public keys are shown (they are public); seeds never are, nor anything derived from them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { decode } from '@nats-io/jwt';
import { JkError } from '../errors.js';
import { activationRef, entities, keyIds, withSystemUser, type Entity, type KeyIds } from './claims.js';
import type { KeyStore, KeyRole } from './keys.js';
import type { SecurityModel } from './model.js';

export type SecurityAction = 'create' | 'update' | 'noop' | 'revoke';

export interface ClaimChange {
  /** dotted claim path, e.g. `nats.pub.allow` */
  field: string;
  from?: unknown;
  to?: unknown;
}

export interface SecurityChange {
  action: SecurityAction;
  kind: Entity['kind'];
  /** `NatsUser/checkout` */
  resource: string;
  /** metadata.name (`account/user` for users) */
  name: string;
  /** the public key (absent for a key not generated yet) */
  publicKey?: string;
  changes: ClaimChange[];
}

export interface SecurityPlan {
  changes: SecurityChange[];
  summary: Record<SecurityAction, number>;
}

/** What plan and apply share: the model with its system user, the entities, and the comparison per entity. */
export interface Prepared {
  model: SecurityModel;
  ids: KeyIds;
  entities: Entity[];
  /** pub -> key id, for activation tokens */
  byPub: Map<string, string>;
  newKeys: Set<string>;
  current: Map<string, Comparable | undefined>;
  /** unix seconds of this plan */
  now: number;
}

interface Comparable {
  name: string;
  iss: string;
  nats: Record<string, unknown>;
  validity?: { seconds: number } | { until: number };
  /** issued at and expires (unix seconds), of a JWT already issued */
  iat?: number;
  exp?: number;
}

/** Keys of every entity (made in memory unless `persist`), current JWTs decoded, desired claims built. */
export function prepare(declared: SecurityModel, store: KeyStore, persist: boolean, now = Math.floor(Date.now() / 1000)): Prepared {
  const model = withSystemUser(declared);
  const ids = keyIds(model);
  const keyList: [string, KeyRole][] = [[ids.operator, 'operator'], ...(ids.signing ? [[ids.signing, 'signing'] as [string, KeyRole]] : []),
    ...model.accounts.map((a) => [ids.account(a.name), 'account'] as [string, KeyRole]), ...model.users.map((u) => [ids.user(u.spec.account, u.name), 'user'] as [string, KeyRole])];
  const pubs = new Map<string, string>();
  const newKeys = new Set<string>();
  for (const [id, role] of keyList) {
    const k = store.key(id, role, persist);
    pubs.set(id, k.publicKey);
    if (!k.stored) newKeys.add(k.publicKey);
  }
  const current = new Map<string, Comparable | undefined>();
  const readCurrent = (id: string) => {
    if (!current.has(id)) current.set(id, readJwt(store.jwtFile(id), id));
    return current.get(id);
  };
  const revokedAt = (account: string) => ((readCurrent(ids.account(account))?.nats.revocations ?? {}) as Record<string, number>);
  const list = entities({ model, ids, pub: (id) => pubs.get(id)!, revokedAt, now });
  for (const e of list) readCurrent(e.key);
  return { model, ids, entities: list, byPub: new Map([...pubs].map(([id, pk]) => [pk, id])), newKeys, current, now };
}

function readJwt(file: string, id: string): Comparable | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const c = decode<Record<string, unknown>>(readFileSync(file, 'utf8').trim());
    const { type: _t, version: _v, ...nats } = c.nats as Record<string, unknown>;
    return { name: c.name, iss: c.iss, nats: normaliseTokens(nats), iat: c.iat, exp: c.exp };
  } catch (e) {
    throw new JkError('JK8011', { message: `${file} is not a JWT jetkeeper can read for ${id} (${(e as Error).message})`, fix: 'remove the file: the next apply issues it again' });
  }
}

/** Import tokens as what they grant (issuer, subject, kind, exported subject). */
function normaliseTokens(nats: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(nats.imports)) return nats;
  const imports = (nats.imports as Record<string, unknown>[]).map((i) => {
    if (typeof i.token !== 'string') return i;
    try {
      const t = decode<{ subject: string; kind?: string; type?: string }>(i.token);
      return { ...i, token: activationRef(t.iss, t.sub, t.nats.subject ?? '', t.nats.kind ?? t.nats.type ?? '') };
    } catch {
      return { ...i, token: 'unreadable' };
    }
  });
  return { ...nats, imports };
}

export function desiredComparable(p: Prepared, e: Entity): Comparable {
  const iss = [...p.byPub].find(([, id]) => id === e.signer)![0];
  return { name: e.jwtName, iss, nats: e.nats, validity: e.validity };
}

/** The plan: one change per entity, in issue order (operator, accounts, users). */
export function planSecurity(p: Prepared): SecurityPlan {
  const changes = p.entities.map((e) => changeOf(p, e));
  const summary: SecurityPlan['summary'] = { create: 0, update: 0, noop: 0, revoke: 0 };
  for (const c of changes) summary[c.action]++;
  return { changes, summary };
}

function changeOf(p: Prepared, e: Entity): SecurityChange {
  const pub = [...p.byPub].find(([, id]) => id === e.key)![0];
  const base = { kind: e.kind, resource: e.ref, name: e.name, publicKey: p.newKeys.has(pub) ? undefined : pub };
  const cur = p.current.get(e.key);
  if (e.revoked) return { ...base, action: revokedAlready(p, e, pub) ? 'noop' : 'revoke', changes: [] };
  const want = desiredComparable(p, e);
  const shown = (v: unknown) => showKeys(v, p.newKeys);
  if (!cur) return { ...base, action: 'create', changes: flatten(want).filter(([, v]) => v !== undefined).map(([field, to]) => ({ field, to: shown(to) })) };
  const changes = [...diff(asIssued(cur, want), want).map((c) => ({ field: c.field, from: shown(c.from), to: shown(c.to) })), ...renewal(cur, p.now)];
  return { ...base, action: changes.length ? 'update' : 'noop', changes };
}

/** A JWT that has expired, or has less than a third of its validity left, is issued again. */
function renewal(cur: Comparable, now: number): ClaimChange[] {
  if (!cur.exp) return [];
  const left = cur.exp - now;
  if (left > (cur.exp - (cur.iat ?? cur.exp)) / 3) return [];
  return [{ field: 'exp', from: new Date(cur.exp * 1000).toISOString(), to: left <= 0 ? 'renew (expired)' : 'renew (less than a third of its validity left)' }];
}

/** The validity of an issued JWT in the terms of the desired one (a duration, or a fixed end). */
function asIssued(cur: Comparable, want: Comparable): Comparable {
  const { iat, exp, ...rest } = cur;
  if (!exp) return rest;
  if (want.validity && 'until' in want.validity) return { ...rest, validity: { until: exp } };
  // the JWT library stamps its own issue time: a second or two between the two clocks is no change
  const seconds = exp - (iat ?? 0);
  return { ...rest, validity: { seconds: want.validity && Math.abs(want.validity.seconds - seconds) <= 5 ? want.validity.seconds : seconds } };
}

function revokedAlready(p: Prepared, e: Entity, pub: string): boolean {
  const acc = p.current.get(e.account!);
  return !!acc && pub in ((acc.nats.revocations ?? {}) as Record<string, number>);
}

/** Keys made for this plan only are shown as "(new key)": they are not the keys apply will make. */
function showKeys(v: unknown, fresh: Set<string>): unknown {
  if (typeof v === 'string') {
    let out = v;
    for (const k of fresh) out = out.split(k).join('(new key)');
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => showKeys(x, fresh));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [showKeys(k, fresh) as string, showKeys(x, fresh)]));
  return v;
}

function flatten(v: unknown, prefix = ''): [string, unknown][] {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, v]];
}

function diff(a: unknown, b: unknown): ClaimChange[] {
  const fa = new Map(flatten(a));
  const fb = new Map(flatten(b));
  const out: ClaimChange[] = [];
  for (const k of new Set([...fa.keys(), ...fb.keys()])) {
    if (JSON.stringify(fa.get(k)) !== JSON.stringify(fb.get(k))) out.push({ field: k, from: fa.get(k), to: fb.get(k) });
  }
  return out;
}
