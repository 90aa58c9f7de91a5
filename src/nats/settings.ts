/** How to reach a NATS system: URLs, auth, TLS. Pure data plus redaction for display. */
import { secretShape } from '../resources/account/map.js';

export interface ConnectionSettings {
  servers: string[];
  /** path of a .creds file */
  creds?: string;
  /** path of a file holding an NKey seed */
  nkey?: string;
  user?: string;
  password?: string;
  token?: string;
  tls?: { ca?: string; cert?: string; key?: string; first?: boolean };
  jsDomain?: string;
  /** where these settings came from, for messages: "--server", "context jetkeeper-local", ... */
  origin?: string;
  /** client name shown in the server's connz */
  name?: string;
  timeoutMs?: number;
}

/** A comma-separated list of server URLs (`--server`, a context's url) as a list. */
export function splitServerUrls(list: string): string[] {
  return list.split(',').map((u) => u.trim()).filter(Boolean);
}

/** The settings as they may be shown to a person: URLs without passwords, no token, no seed. */
export function describeSettings(s: ConnectionSettings): string {
  const urls = s.servers.map(redactUrl).join(',');
  const path = (p: string) => (secretShape(p) ? '***' : p);
  const auth = s.creds ? ` creds=${path(s.creds)}` : s.nkey ? ` nkey=${path(s.nkey)}` : s.token ? ' token=***' : s.user ? ` user=${s.user} password=***` : '';
  const tls = s.tls?.ca || s.tls?.cert ? ' tls' : '';
  return `${urls}${auth}${tls}${s.origin ? ` (from ${s.origin})` : ''}`;
}

/**
 * A server URL as scheme, user info and the rest, in every form a user may write it: with or
 * without a scheme (`alice:pw@host:4222`), and with any character in the password (`/`, `@`,
 * `:`, spaces): the last `@` ends the user info, as hosts and ports never hold one.
 */
export function splitUserInfo(url: string): { scheme: string; cred?: string; rest: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)?([\s\S]*)@([^@]*)$/i.exec(url.trim());
  if (!m) {
    const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url.trim())?.[0] ?? '';
    return { scheme, rest: url.trim().slice(scheme.length) };
  }
  return { scheme: m[1] ?? '', cred: m[2], rest: m[3] };
}

/** `user:pass` -> `user:***`, a token -> `***`. */
function hideCred(cred: string): string {
  const i = cred.indexOf(':');
  return i >= 0 ? `${cred.slice(0, i)}:***` : '***';
}

/** nats://user:pass@host -> nats://user:***@host, alice:pw@host -> alice:***@host; a token in the user part is hidden whole. */
export function redactUrl(url: string): string {
  const { scheme, cred, rest } = splitUserInfo(url);
  return cred === undefined ? url : `${scheme}${hideCred(cred)}@${rest}`;
}

/** Every secret these settings hold, as written and percent-decoded (URL user info included). */
function secretsOf(s: ConnectionSettings): string[] {
  const out = [s.password, s.token];
  for (const url of s.servers ?? []) {
    const cred = splitUserInfo(url).cred;
    if (!cred) continue;
    const i = cred.indexOf(':');
    const secret = i >= 0 ? cred.slice(i + 1) : cred;
    out.push(secret, cred);
    try {
      out.push(decodeURIComponent(secret));
    } catch {
      // a malformed escape: the raw text is hidden already
    }
  }
  return out.filter((x): x is string => typeof x === 'string' && x.length > 0).sort((a, b) => b.length - a.length);
}

/** Replaces every secret value that occurs in `text` (error messages from libraries may echo them), and the user info of any URL in it. */
export function redactSecrets(text: string, s: ConnectionSettings | undefined): string {
  let out = text;
  if (s) for (const secret of secretsOf(s)) out = out.split(secret).join('***');
  return out.replace(/\b([a-z][a-z0-9+.-]*:\/\/)(\S*)@/gi, (_m, scheme: string, cred: string) => `${scheme}${hideCred(cred)}@`);
}
