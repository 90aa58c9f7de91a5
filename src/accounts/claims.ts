/**
 * Declared resources -> the JWT claims to issue (the `nats` part, the name, issuer, subject and
 * validity). Pure: keys come in as public keys, time as a number.
 */
import { parseDuration } from '../resources/duration.js';
import { parseSize } from '../resources/security.js';
import type { ExportSpec, ImportSpec, JetStreamLimitsSpec, NatsAccountSpec, NatsUserSpec, PermissionsSpec } from '../resources/index.js';
import { jwtName, type Declared, type SecurityModel } from './model.js';
import { withRole } from './roles.js';

export type EntityKind = 'Operator' | 'NatsAccount' | 'NatsUser';

/** One JWT to issue. */
export interface Entity {
  kind: EntityKind;
  /** metadata.name (`account/user` for users) */
  name: string;
  /** `NatsUser/checkout` */
  ref: string;
  /** key id of the subject (see KeyStore) and of the signer */
  key: string;
  signer: string;
  /** the key id of the account for users (creds) */
  account?: string;
  jwtName: string;
  nats: Record<string, unknown>;
  /** seconds of validity after issue, or a fixed end (unix seconds) */
  validity?: { seconds: number } | { until: number };
  /** revoked users get no new JWT and no creds */
  revoked?: boolean;
}

export interface KeyIds {
  operator: string;
  signing?: string;
  account(name: string): string;
  user(account: string, user: string): string;
}

export function keyIds(m: SecurityModel): KeyIds {
  const op = `operator/${m.operator.name}`;
  return {
    operator: op,
    signing: m.operator.spec.signingKey ? `${op}.signing` : undefined,
    account: (a) => `accounts/${a}`,
    user: (a, u) => `users/${a}/${u}`,
  };
}

/** The implicit user of the system account, unless one of that name is declared. */
export function withSystemUser(m: SecurityModel): SecurityModel {
  const name = m.operator.spec.systemUser;
  const sys = m.operator.spec.systemAccount;
  if (m.users.some((u) => u.spec.account === sys && u.name === name)) return m;
  const user: Declared<NatsUserSpec> = { name, ref: `NatsUser/${name}`, spec: { account: sys, bearer: false, revoked: false } };
  return { ...m, users: [...m.users, user] };
}

export interface ClaimInputs {
  model: SecurityModel;
  ids: KeyIds;
  /** public key of a key id */
  pub(id: string): string;
  /** revocations already in the account's current JWT (user public key -> unix seconds) */
  revokedAt(account: string): Record<string, number>;
  /** unix seconds */
  now: number;
}

export function entities(inp: ClaimInputs): Entity[] {
  const { model: m, ids } = inp;
  const op: Entity = {
    kind: 'Operator', name: m.operator.name, ref: m.operator.ref, key: ids.operator, signer: ids.operator, jwtName: jwtName(m.operator),
    nats: operatorClaims(inp),
  };
  const accounts = m.accounts.map((a): Entity => ({
    kind: 'NatsAccount', name: a.name, ref: a.ref, key: ids.account(a.name), signer: ids.signing ?? ids.operator, jwtName: jwtName(a), nats: accountClaims(a, inp),
  }));
  const users = m.users.map((u): Entity => ({
    kind: 'NatsUser', name: `${u.spec.account}/${u.name}`, ref: u.ref, key: ids.user(u.spec.account, u.name), signer: ids.account(u.spec.account), account: ids.account(u.spec.account),
    jwtName: jwtName(u), nats: userClaims(u.spec), validity: validity(u.spec), revoked: u.spec.revoked,
  }));
  return [op, ...accounts, ...users];
}

function operatorClaims(inp: ClaimInputs): Record<string, unknown> {
  const s = inp.model.operator.spec;
  return compact({
    system_account: inp.pub(inp.ids.account(s.systemAccount)),
    signing_keys: inp.ids.signing ? [inp.pub(inp.ids.signing)] : undefined,
    operator_service_urls: s.serviceUrls,
    account_server_url: s.accountServerUrl,
  });
}

const bytes = (v: number | string | undefined, dflt: number) => (v === undefined ? dflt : parseSize(v)!);
const num = (v: number | undefined, dflt: number) => v ?? dflt;

function jsLimits(js: JetStreamLimitsSpec | undefined): Record<string, unknown> {
  const on = js ? -1 : 0;
  return compact({
    mem_storage: bytes(js?.memoryStorage, on), disk_storage: bytes(js?.diskStorage, on), streams: num(js?.streams, on), consumer: num(js?.consumers, on),
    max_ack_pending: js?.maxAckPending, mem_max_stream_bytes: js?.memoryMaxStreamBytes === undefined ? undefined : bytes(js.memoryMaxStreamBytes, 0),
    disk_max_stream_bytes: js?.diskMaxStreamBytes === undefined ? undefined : bytes(js.diskMaxStreamBytes, 0), max_bytes_required: js?.maxBytesRequired,
  });
}

function accountClaims(a: Declared<NatsAccountSpec>, inp: ClaimInputs): Record<string, unknown> {
  const s = a.spec;
  const l = s.limits ?? {};
  const tiers = s.jetstreamTiers ? Object.fromEntries(Object.entries(s.jetstreamTiers).map(([t, v]) => [t, jsLimits(v)])) : undefined;
  const limits = compact({
    subs: num(l.subscriptions, -1), data: bytes(l.data, -1), payload: bytes(l.payload, -1), imports: num(l.imports, -1), exports: num(l.exports, -1),
    wildcards: l.wildcardExports ?? true, conn: num(l.connections, -1), leaf: num(l.leafNodes, -1), disallow_bearer: l.disallowBearer,
    ...(tiers ? { mem_storage: 0, disk_storage: 0, streams: 0, consumer: 0, tiered_limits: tiers } : jsLimits(s.jetstream)),
  });
  return compact({
    description: s.description,
    limits,
    exports: s.exports?.map(exportClaim),
    imports: s.imports?.map((i) => importClaim(i, a.name, inp)),
    revocations: revocations(a.name, inp),
  });
}

function exportClaim(e: ExportSpec): Record<string, unknown> {
  return compact({ name: e.name ?? e.subject, subject: e.subject, type: e.type, token_req: e.approvedAccounts ? true : undefined, response_type: e.responseType, description: e.description });
}

/** The `token` of an import of an approved export: an activation the exporter signs for the importer (`activation:...`, made when issuing). */
function importClaim(i: ImportSpec, importer: string, inp: ClaimInputs): Record<string, unknown> {
  const from = inp.model.accounts.find((a) => a.name === i.account)!;
  const exp = (from.spec.exports ?? []).find((e) => e.type === i.type && e.approvedAccounts?.includes(importer));
  return compact({
    name: i.name ?? i.subject, subject: i.subject, account: inp.pub(inp.ids.account(i.account)), type: i.type, local_subject: i.localSubject,
    token: exp ? activationRef(inp.pub(inp.ids.account(i.account)), inp.pub(inp.ids.account(importer)), exp.subject, i.type) : undefined,
  });
}

/** What an activation token says, as plans compare it (a token holds its issue time, so its text changes with every issue). */
export function activationRef(issuer: string, subject: string, exportSubject: string, kind: string): string {
  return `activation:${issuer}:${subject}:${kind}:${exportSubject}`;
}

function revocations(account: string, inp: ClaimInputs): Record<string, number> | undefined {
  const before = inp.revokedAt(account);
  const out: Record<string, number> = {};
  for (const u of inp.model.users) {
    if (u.spec.account !== account || !u.spec.revoked) continue;
    const pk = inp.pub(inp.ids.user(account, u.name));
    out[pk] = before[pk] ?? inp.now;
  }
  return Object.keys(out).length ? out : undefined;
}

function userClaims(u: NatsUserSpec): Record<string, unknown> {
  const p: PermissionsSpec = withRole(u.role, u.permissions);
  const ad = (x?: { allow?: string[]; deny?: string[] }) => compact({ allow: x?.allow, deny: x?.deny });
  const ttl = p.responses?.ttl ? parseDuration(p.responses.ttl) : undefined;
  return compact({
    pub: ad(p.publish), sub: ad(p.subscribe),
    resp: p.responses ? compact({ max: p.responses.max, ttl: ttl && 'ns' in ttl ? ttl.ns : 0 }) : undefined,
    subs: u.limits?.subscriptions ?? -1, data: bytes(u.limits?.data, -1), payload: bytes(u.limits?.payload, -1),
    bearer_token: u.bearer || undefined, allowed_connection_types: u.connectionTypes, src: u.sourceNetworks,
  });
}

function validity(u: NatsUserSpec): Entity['validity'] {
  if (u.expiresAt) return { until: Math.floor(Date.parse(u.expiresAt) / 1000) };
  if (!u.expiry) return undefined;
  const d = parseDuration(u.expiry);
  return 'ns' in d && d.ns > 0 ? { seconds: Math.max(1, Math.round(d.ns / 1e9)) } : undefined;
}

/** Drops undefined members (JWT claims leave unset fields out). */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
