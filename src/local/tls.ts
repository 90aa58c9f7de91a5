/**
 * A local certificate authority for `jetkeeper up --secure`, made with the machine's `openssl`
 * (Node has no X.509 builder): a CA, and certificates it signs for 127.0.0.1 and localhost that
 * serve both as server and client certificates (the servers present them to each other on routes).
 * Keys are written 0600.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JkError } from '../errors.js';

export interface TlsFiles {
  /** CA certificate (PEM) */
  ca: string;
  cert: string;
  key: string;
}

export interface CertOptions {
  /** subjectAltName entries, e.g. ['IP:127.0.0.1', 'DNS:localhost'] */
  sans: string[];
  /** validity in days; a negative number gives a certificate that has already expired */
  days?: number;
  cn?: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new JkError('JK8014', { message: 'openssl is not installed (it makes the certificates of the local CA)', fix: 'install openssl (e.g. apt-get install openssl), or start the cluster without `secure`' });
  }
  if (r.status !== 0) {
    throw new JkError('JK8015', { message: `openssl ${args[0]} failed: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ')}`, fix: 'check that openssl 1.1.1 or newer is on PATH' });
  }
}

/** A new CA in `dir` (ca.pem, ca.key); valid for `days` (default 30). */
export function makeCa(dir: string, name = 'jetkeeper local CA', days = 30): { ca: string; caKey: string } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', String(days),
    '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  chmodSync(join(dir, 'ca.key'), 0o600);
  return { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca.key') };
}

/** A certificate `name`.pem / `name`.key in `dir`, signed by the CA. */
export function makeCert(dir: string, ca: { ca: string; caKey: string }, name: string, opts: CertOptions): TlsFiles {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, [`subjectAltName=${opts.sans.join(',')}`, 'extendedKeyUsage=serverAuth,clientAuth', 'keyUsage=critical,digitalSignature,keyEncipherment', 'basicConstraints=CA:FALSE', ''].join('\n'));
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${opts.cn ?? 'localhost'}`], dir);
  chmodSync(join(dir, `${name}.key`), 0o600);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', ca.ca, '-CAkey', ca.caKey, '-CAcreateserial', '-out', `${name}.pem`, '-days', String(opts.days ?? 30), '-extfile', ext], dir);
  return { ca: ca.ca, cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

/** The CA and the server certificate of a secure local cluster, in `dir`. */
export function localTls(dir: string): TlsFiles {
  const ca = makeCa(dir);
  return makeCert(dir, ca, 'server', { sans: ['IP:127.0.0.1', 'DNS:localhost'] });
}
