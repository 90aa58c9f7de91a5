/** Account spec -> where each connection setting comes from (files or Kubernetes Secret keys). */
import type { AccountSpec } from './schema.js';

/** A value held in a Kubernetes Secret of the resource's namespace, under `key`. */
export interface SecretKeyRef {
  secretName: string;
  key: string;
}

/** A file path (no `secret` in the block) or a key inside a Secret (with `secret.name`). */
export type FileOrSecret = string | SecretKeyRef;

export interface AccountConnection {
  servers?: string[];
  /** NATS credentials file */
  creds?: FileOrSecret;
  /** file holding the NKey seed */
  nkey?: FileOrSecret;
  /** file holding the token */
  token?: FileOrSecret;
  /** files holding the user name and the password; only present when both are given */
  user?: { user: FileOrSecret; password: FileOrSecret };
  /** cert and key only ever as a pair */
  tls?: { ca?: FileOrSecret; cert?: FileOrSecret; key?: FileOrSecret };
}

/**
 * When one layer (global flags, Account, resource) brings any auth, NACK drops every earlier auth
 * and uses exactly one method, in this order.
 */
export const AUTH_PRECEDENCE = ['creds', 'nkey', 'token', 'user'] as const;

function source(secret: { name: string } | undefined, value: string | undefined): FileOrSecret | undefined {
  if (!value) return undefined;
  return secret ? { secretName: secret.name, key: value } : value;
}

/**
 * Where the Account's connection settings come from. Pure: resolves nothing, reads no file and no
 * Secret, and so never holds a secret value. Empty settings are left out; a lone cert or key, or a
 * user without a password, is left out as NACK ignores it.
 */
export function accountConnection(spec: AccountSpec): AccountConnection {
  const out: AccountConnection = {};
  if (spec.servers?.length) out.servers = [...spec.servers];
  const creds = source(spec.creds?.secret, spec.creds?.file);
  if (creds) out.creds = creds;
  const nkey = source(spec.nkey?.secret, spec.nkey?.seed);
  if (nkey) out.nkey = nkey;
  const token = source(spec.token?.secret, spec.token?.token);
  if (token) out.token = token;
  const user = source(spec.user?.secret, spec.user?.user);
  const password = source(spec.user?.secret, spec.user?.password);
  if (user && password) out.user = { user, password };
  const tls = spec.tls ? tlsConnection(spec.tls) : undefined;
  if (tls) out.tls = tls;
  return out;
}

/** The TLS files of an Account; undefined when none is usable. */
function tlsConnection(spec: NonNullable<AccountSpec['tls']>): AccountConnection['tls'] {
  const tls: NonNullable<AccountConnection['tls']> = {};
  const ca = source(spec.secret, spec.ca);
  const cert = source(spec.secret, spec.cert);
  const key = source(spec.secret, spec.key);
  if (ca) tls.ca = ca;
  if (cert && key) {
    tls.cert = cert;
    tls.key = key;
  }
  return Object.keys(tls).length ? tls : undefined;
}

/** What a value meant as a file path may really be: a pasted secret. */
export type SecretShape = 'nkey seed' | 'JWT' | 'file contents' | 'token';

/**
 * Recognises a secret given where a file path is expected, so that a message can say so without
 * printing it: an NKey seed (`S` + key type + base32, 58 characters), a JWT, pasted file contents
 * (a PEM or .creds block, several lines), and, where `tokenLike` is set (fields whose file holds a
 * token, user or password), anything that does not look like a path.
 */
export function secretShape(value: string, tokenLike = false): SecretShape | undefined {
  const v = value.trim();
  if (/^S[OPACNUX][A-Z2-7]{56}$/.test(v)) return 'nkey seed';
  if (/^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(v)) return 'JWT';
  if (/-----BEGIN |[\r\n]/.test(v)) return 'file contents';
  if (!tokenLike) return undefined;
  const pathLike = /^[./~]/.test(v) || /\.[A-Za-z0-9]{1,10}$/.test(v) || (v.includes('/') && !/^[A-Za-z0-9+/=_-]{20,}$/.test(v));
  return pathLike ? undefined : 'token';
}
