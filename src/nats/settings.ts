/** How to reach a NATS system: URLs, auth, TLS. Pure data plus redaction for display. */

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
  const auth = s.creds ? ` creds=${s.creds}` : s.nkey ? ` nkey=${s.nkey}` : s.token ? ' token=***' : s.user ? ` user=${s.user} password=***` : '';
  const tls = s.tls?.ca || s.tls?.cert ? ' tls' : '';
  return `${urls}${auth}${tls}${s.origin ? ` (from ${s.origin})` : ''}`;
}

/** `//user:pass@` -> `//user:***@`, `//token@` -> `//***@` (a replacer for the user info of a URL). */
const hideUserInfo = (_m: string, cred: string): string => (cred.includes(':') ? `//${cred.split(':')[0]}:***@` : '//***@');

/** nats://user:pass@host -> nats://user:***@host; tokens in the user part are hidden too. The last @ ends the user info (a password may hold an @). */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^/]*)@/, hideUserInfo);
}

/** Replaces every secret value that occurs in `text` (error messages from libraries may echo them). */
export function redactSecrets(text: string, s: ConnectionSettings | undefined): string {
  if (!s) return text;
  let out = text;
  for (const secret of [s.password, s.token]) if (secret) out = out.split(secret).join('***');
  return out.replace(/\/\/([^/\s]*)@/g, hideUserInfo);
}
