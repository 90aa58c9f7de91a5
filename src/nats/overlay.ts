/**
 * NACK's connection layering: global settings, overlaid by the resource's Account, overlaid by
 * the resource's own connection fields. Each layer replaces servers, JetStream domain, the client
 * cert and key (as a pair) and the CAs only where it sets them; auth is all or nothing: a layer
 * with any auth replaces all earlier auth with exactly one method (creds > nkey > token > user).
 */
import { readFile } from 'node:fs/promises';
import { JkError } from '../errors.js';
import { secretShape, type FileOrSecret } from '../resources/account/map.js';
import type { ConnectionSettings } from './settings.js';

export interface ConnectionLayer {
  /** for messages: "Account/payments", "Stream/orders spec" */
  origin: string;
  servers?: string[];
  creds?: FileOrSecret;
  nkey?: FileOrSecret;
  /** file holding the token */
  token?: FileOrSecret;
  /** files holding the user name and the password */
  user?: { user: FileOrSecret; password: FileOrSecret };
  tls?: { ca?: FileOrSecret; cert?: FileOrSecret; key?: FileOrSecret; first?: boolean };
  jsDomain?: string;
}

/** The JK1106 error for a secret found where a file path belongs; the value itself is never shown. */
export function secretNotPath(what: string, origin: string | undefined, shape: string): JkError {
  return new JkError('JK1106', {
    message: `the value given as the ${what} file looks like a secret (${shape}), not a file path; it is not shown`,
    resource: origin,
    fix: `put the ${what} in a file (mode 0600) and give its path, or use secret.name in Kubernetes; then rotate it, as it may have been exposed`,
  });
}

function filePath(v: FileOrSecret, origin: string, what: string): string {
  if (typeof v === 'string') {
    const shape = secretShape(v);
    if (shape) throw secretNotPath(what, origin, shape);
    return v;
  }
  throw new JkError('JK2004', {
    message: `${what} comes from Kubernetes Secret "${v.secretName}" (key ${v.key}), which only the Kubernetes controller can read`,
    resource: origin,
    fix: 'outside Kubernetes, give a file path instead of secret.name (or the connection settings `creds`, `nkey` or `user`)',
  });
}

async function fileText(v: FileOrSecret, origin: string, what: string): Promise<string> {
  const path = filePath(v, origin, what);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    // a token, user or password file that cannot be read and is a bare word: likely the secret itself
    const shape = secretShape(path, true);
    if (shape) throw secretNotPath(what, origin, shape);
    throw new JkError('JK2004', { message: `cannot read the ${what} file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, resource: origin, fix: 'check the path and its permissions' });
  }
}

/** Applies one layer on top of `base`. Reads token/user files; never puts a secret in a message. */
export async function overlaySettings(base: ConnectionSettings, layer: ConnectionLayer): Promise<ConnectionSettings> {
  const out: ConnectionSettings = { ...base };
  if (layer.servers?.length) out.servers = [...layer.servers];
  if (layer.jsDomain) out.jsDomain = layer.jsDomain;
  const hasAuth = layer.creds || layer.nkey || layer.token || layer.user;
  if (hasAuth) {
    delete out.creds; delete out.nkey; delete out.token; delete out.user; delete out.password;
    if (layer.creds) out.creds = filePath(layer.creds, layer.origin, 'creds');
    else if (layer.nkey) out.nkey = filePath(layer.nkey, layer.origin, 'nkey seed');
    else if (layer.token) out.token = await fileText(layer.token, layer.origin, 'token');
    else if (layer.user) {
      out.user = await fileText(layer.user.user, layer.origin, 'user');
      out.password = await fileText(layer.user.password, layer.origin, 'password');
    }
  }
  if (layer.tls) {
    const tls = { ...out.tls };
    if (layer.tls.ca) tls.ca = filePath(layer.tls.ca, layer.origin, 'TLS CA');
    if (layer.tls.cert && layer.tls.key) {
      tls.cert = filePath(layer.tls.cert, layer.origin, 'TLS certificate');
      tls.key = filePath(layer.tls.key, layer.origin, 'TLS key');
    }
    if (layer.tls.first) tls.first = true;
    out.tls = tls;
  }
  out.origin = `${base.origin ?? 'default'} + ${layer.origin}`;
  return out;
}

/** A key for grouping resources that share a connection (kept in memory, never shown). */
export function settingsKey(s: ConnectionSettings): string {
  return JSON.stringify([s.servers, s.creds, s.nkey, s.user, s.password, s.token, s.tls, s.jsDomain]);
}
