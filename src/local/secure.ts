/**
 * `jetkeeper up --secure`: the local cluster in operator mode. A local CA and a certificate for
 * 127.0.0.1/localhost (TLS on client and route ports), the security manifests of the order
 * pipeline written to <dir>/security/ and issued into <dir>/keys/ (seeds 0600, JWTs, creds per
 * role), and the server config blocks: operator, system account, a full resolver preloaded with
 * every account JWT.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyAccounts } from '../accounts/index.js';
import { loadManifests } from '../manifests/load.js';
import { localTls } from './tls.js';

export interface SecureState {
  /** CA, and the certificate and key every server presents (client and route ports) */
  tls: { ca: string; cert: string; key: string };
  /** the key directory (`jetkeeper accounts ... --keys`) and the manifests it was issued from */
  keys: string;
  manifests: string;
  operatorJwt: string;
  systemAccount: string;
  /** creds file per role (`account/user` -> path) */
  creds: Record<string, string>;
  /** the user jetkeeper itself connects as (the controller role) */
  controllerCreds: string;
  /** the system user's creds (for `accounts push`) */
  systemCreds: string;
}

export const SECURE_OPERATOR = 'jetkeeper-local';

/** The order pipeline's security model: the orders team, the payments team that imports orders.created, the system account, one user per service. */
export const SECURE_MANIFESTS = `# written by \`jetkeeper up --secure\`: edit, then \`jetkeeper accounts apply\` and \`jetkeeper accounts push\`
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: Operator
metadata: { name: ${SECURE_OPERATOR} }
spec: { systemAccount: sys }
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsAccount
metadata: { name: sys }
spec: { name: SYS }
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsAccount
metadata: { name: orders }
spec:
  jetstream: { diskStorage: 8GB, memoryStorage: 1GB }
  exports:
    - { subject: orders.created, type: stream, approvedAccounts: [payments] }
---
apiVersion: jetstream.jetkeeper.io/v1alpha1
kind: NatsAccount
metadata: { name: payments }
spec:
  jetstream: { diskStorage: 512MB, memoryStorage: 128MB }
  imports:
    - { account: orders, subject: orders.created, type: stream }
${['checkout', 'fraud', 'fulfillment', 'analytics', 'pdf-worker'].map((r) => user(r, 'orders', `role: ${r}`)).join('')}${user('jetkeeper', 'orders', 'role: controller')}${user('admin', 'orders', 'permissions: {}')}${user('payments', 'payments', 'permissions: {}')}`;

function user(name: string, account: string, rest: string): string {
  return `---\napiVersion: jetstream.jetkeeper.io/v1alpha1\nkind: NatsUser\nmetadata: { name: ${name} }\nspec: { account: ${account}, service: ${name}, ${rest} }\n`;
}

/** Certificates, manifests (kept when present: they may have been edited) and issued keys of a secure cluster in `dir`. */
export async function prepareSecure(dir: string, clientUrls: string[]): Promise<{ state: SecureState; preload: Record<string, string> }> {
  const tlsDir = join(dir, 'tls');
  const tls = existsSync(join(tlsDir, 'server.pem')) ? { ca: join(tlsDir, 'ca.pem'), cert: join(tlsDir, 'server.pem'), key: join(tlsDir, 'server.key') } : localTls(tlsDir);
  const manifests = join(dir, 'security');
  mkdirSync(manifests, { recursive: true });
  const file = join(manifests, 'security.yaml');
  if (!existsSync(file)) writeFileSync(file, SECURE_MANIFESTS);
  const keys = join(dir, 'keys');
  const docs = await loadManifests([manifests], () => Promise.resolve(''));
  const r = await applyAccounts(docs, keys, { url: clientUrls.join(','), ca: tls.ca });
  const preload = Object.fromEntries(Object.entries(r.accountJwts).map(([name, f]) => [r.accountKeys[name]!, readFileSync(f, 'utf8').trim()]));
  const sys = Object.keys(r.creds).find((u) => u.startsWith('sys/'))!;
  return {
    state: {
      tls, keys, manifests, operatorJwt: r.operatorJwt, systemAccount: r.systemAccount, creds: r.creds,
      controllerCreds: r.creds['orders/jetkeeper']!, systemCreds: r.creds[sys]!,
    },
    preload,
  };
}

const q = (s: string) => JSON.stringify(s);

/** The config lines of a secure server: operator mode, full resolver, client TLS. */
export function secureServerConfig(s: SecureState, preload: Record<string, string>, resolverDir: string): string[] {
  return [
    '',
    `operator: ${q(s.operatorJwt)}`,
    `system_account: ${q(s.systemAccount)}`,
    'resolver {',
    '  type: full',
    `  dir: ${q(resolverDir)}`,
    '  allow_delete: false',
    '  interval: "2m"',
    '}',
    'resolver_preload {',
    ...Object.entries(preload).map(([k, v]) => `  ${k}: ${q(v)}`),
    '}',
    '',
    'tls {',
    ...tlsLines(s, '  '),
    '}',
  ];
}

/** The TLS block of routes: the servers verify each other's certificate. */
export function secureRouteTls(s: SecureState): string[] {
  return ['  tls {', ...tlsLines(s, '    '), '    verify: true', '  }'];
}

function tlsLines(s: SecureState, indent: string): string[] {
  return [`${indent}cert_file: ${q(s.tls.cert)}`, `${indent}key_file: ${q(s.tls.key)}`, `${indent}ca_file: ${q(s.tls.ca)}`, `${indent}timeout: 3`];
}
