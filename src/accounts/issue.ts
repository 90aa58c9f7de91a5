/**
 * Apply for the security resources: seeds made once, JWTs issued for what the plan changes,
 * creds files per user (0600), and a nats CLI context for the system user. Nothing is deleted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Algorithms, encodeAccount, encodeActivation, encodeOperator, encodeUser, fmtCreds, type KeyPair } from '@nats-io/jwt';
import type { Entity } from './claims.js';
import { KeyStore, writePrivate } from './keys.js';
import type { SecurityModel } from './model.js';
import { planSecurity, prepare, type Prepared, type SecurityPlan } from './plan.js';

export interface IssueResult {
  plan: SecurityPlan;
  /** every file written (JWTs, creds, the context); seeds are listed by path only */
  written: string[];
  /** the creds file of every user that has one (`account/user` -> path) */
  creds: Record<string, string>;
  /** the nats CLI context of the system user */
  context: string;
  /** operator JWT path and the account JWT paths (`account` -> path) */
  operatorJwt: string;
  accountJwts: Record<string, string>;
  /** public key of the system account */
  systemAccount: string;
  /** public key of every account (`account` -> key) */
  accountKeys: Record<string, string>;
}

export interface IssueOptions {
  /** the URL(s) the nats context points at (default: the Operator's serviceUrls) */
  url?: string;
  /** CA for the context */
  ca?: string;
  now?: number;
}

/** Plans with the keys in `store` (generating and storing missing seeds), then issues what changed. */
export async function issueSecurity(model: SecurityModel, store: KeyStore, opts: IssueOptions = {}): Promise<IssueResult> {
  const before = prepare(model, store, false, opts.now);
  const plan = planSecurity(before);
  const p = prepare(model, store, true, opts.now);
  const written: string[] = [];
  const changed = new Set(plan.changes.filter((c) => c.action !== 'noop').map((c) => c.resource));
  const creds: Record<string, string> = {};
  for (const e of p.entities) {
    if (e.revoked) continue;
    const file = store.jwtFile(e.key);
    const jwt = changed.has(e.ref) || !existsSync(file) ? await encodeEntity(p, store, e) : undefined;
    if (jwt) {
      writePrivate(file, jwt + '\n');
      written.push(file);
    }
    if (e.kind === 'NatsUser') creds[e.name] = writeCreds(store, e, jwt, written);
  }
  const sys = `${p.model.operator.spec.systemAccount}/${p.model.operator.spec.systemUser}`;
  const context = store.contextFile(p.model.operator.name);
  const url = opts.url ?? (p.model.operator.spec.serviceUrls ?? []).join(',');
  writePrivate(context, JSON.stringify({ description: `jetkeeper: system user of operator ${p.model.operator.name}`, url, creds: creds[sys], ...(opts.ca ? { ca: opts.ca } : {}) }, null, 2) + '\n');
  written.push(context);
  return {
    plan, written, creds, context, operatorJwt: store.jwtFile(p.ids.operator),
    accountJwts: Object.fromEntries(p.model.accounts.map((a) => [a.name, store.jwtFile(p.ids.account(a.name))])),
    systemAccount: store.key(p.ids.account(p.model.operator.spec.systemAccount), 'account', true).publicKey,
    accountKeys: Object.fromEntries(p.model.accounts.map((a) => [a.name, store.key(p.ids.account(a.name), 'account', true).publicKey])),
  };
}

function writeCreds(store: KeyStore, e: Entity, jwt: string | undefined, written: string[]): string {
  const [account, user] = e.name.split('/') as [string, string];
  const file = store.credsFile(account, user);
  if (jwt || !existsSync(file)) {
    const token = jwt ?? readIssued(store, e);
    writePrivate(file, new TextDecoder().decode(fmtCreds(token, store.pair(e.key))));
    written.push(file);
  }
  return file;
}

/** The user's JWT as issued before (issueSecurity issues every missing one before it writes creds). */
function readIssued(store: KeyStore, e: Entity): string {
  return readFileSync(store.jwtFile(e.key), 'utf8').trim();
}

async function encodeEntity(p: Prepared, store: KeyStore, e: Entity): Promise<string> {
  const opts = { algorithm: Algorithms.v2, ...validity(e, Math.floor(Date.now() / 1000)) };
  const pub = store.key(e.key, e.kind === 'Operator' ? 'operator' : e.kind === 'NatsAccount' ? 'account' : 'user', true).publicKey;
  if (e.kind === 'Operator') return encodeOperator(e.jwtName, store.pair(e.key), e.nats, opts);
  if (e.kind === 'NatsAccount') return encodeAccount(e.jwtName, pub, await withTokens(p, store, e.nats), { ...opts, signer: store.pair(e.signer) });
  return encodeUser(e.jwtName, pub, store.pair(e.signer), e.nats, { ...opts, scopedUser: true });
}

function validity(e: Entity, now: number): { exp?: number } {
  if (!e.validity) return {};
  return 'until' in e.validity ? { exp: e.validity.until } : { exp: now + e.validity.seconds };
}

/** Replaces each `activation:` reference of an import by a token the exporting account signs. */
async function withTokens(p: Prepared, store: KeyStore, nats: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!Array.isArray(nats.imports)) return nats;
  const imports = await Promise.all((nats.imports as Record<string, unknown>[]).map(async (i) => {
    if (typeof i.token !== 'string') return i;
    const [, issuer, subject, kind, exported] = i.token.split(':') as [string, string, string, 'stream' | 'service', string];
    const signer: KeyPair = store.pair(p.byPub.get(issuer)!);
    return { ...i, token: await encodeActivation(String(i.name ?? exported), subject, signer, kind, { subject: exported }, { algorithm: Algorithms.v2 }) };
  }));
  return { ...nats, imports };
}
