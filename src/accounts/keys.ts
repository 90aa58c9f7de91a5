/**
 * The key store: one NKey seed per operator, account and user, generated once and kept in a
 * directory of 0600 files (directories 0700). Seeds are read and written here and nowhere else;
 * they never leave this module except as signatures, public keys and the creds files it writes.
 *
 * Layout of the directory:
 *   seeds/operator/<name>.nk            seeds/operator/<name>.signing.nk
 *   seeds/accounts/<account>.nk         seeds/users/<account>/<user>.nk
 *   jwt/operator.jwt                    jwt/accounts/<account>.jwt     jwt/users/<account>/<user>.jwt
 *   creds/<account>/<user>.creds        context/<operator>.json (nats CLI context of the system user)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createAccount, createOperator, createUser, fromSeed, type KeyPair } from '@nats-io/jwt';
import { JkError } from '../errors.js';

export type KeyRole = 'operator' | 'signing' | 'account' | 'user';

/** A key of one entity: its public key, and whether the seed exists on disk yet. */
export interface EntityKey {
  id: string;
  role: KeyRole;
  publicKey: string;
  /** false: made in memory for a plan, never written */
  stored: boolean;
}

const PREFIX: Record<KeyRole, string> = { operator: 'SO', signing: 'SO', account: 'SA', user: 'SU' };

export class KeyStore {
  readonly dir: string;
  readonly #pairs = new Map<string, KeyPair>();
  readonly #stored = new Set<string>();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  seedFile(id: string): string {
    return join(this.dir, 'seeds', `${id}.nk`);
  }
  jwtFile(id: string): string {
    return join(this.dir, 'jwt', `${id}.jwt`);
  }
  credsFile(account: string, user: string): string {
    return join(this.dir, 'creds', account, `${user}.creds`);
  }
  contextFile(operator: string): string {
    return join(this.dir, 'context', `${operator}.json`);
  }

  /**
   * The key of `id`: read from its seed file, else made. With `persist` a new seed is written
   * (0600, never over an existing file); without it the new key lives only in memory (a plan).
   */
  key(id: string, role: KeyRole, persist: boolean): EntityKey {
    let kp = this.#pairs.get(id);
    if (!kp) {
      kp = this.#read(id, role);
      if (kp) this.#stored.add(id);
      else kp = role === 'operator' || role === 'signing' ? createOperator() : role === 'account' ? createAccount() : createUser();
      this.#pairs.set(id, kp);
    }
    if (persist && !this.#stored.has(id)) {
      writePrivate(this.seedFile(id), new TextDecoder().decode(kp.getSeed()) + '\n', false);
      this.#stored.add(id);
    }
    return { id, role, publicKey: kp.getPublicKey(), stored: this.#stored.has(id) };
  }

  /** @internal the key pair, for signing inside src/accounts only */
  pair(id: string): KeyPair {
    const kp = this.#pairs.get(id);
    if (!kp) throw new JkError('JK9001', { message: `key ${id} used before it was loaded`, fix: 'this is a bug in jetkeeper: please report it' });
    return kp;
  }

  #read(id: string, role: KeyRole): KeyPair | undefined {
    const file = this.seedFile(id);
    if (!existsSync(file)) return undefined;
    const st = statSync(file);
    if ((st.mode & 0o077) !== 0) {
      throw new JkError('JK8010', { message: `seed file ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8)})`, fix: `chmod 600 ${file} (and consider the seed exposed: rotate it if others had access)` });
    }
    const text = readFileSync(file, 'utf8').trim();
    try {
      const kp = fromSeed(new TextEncoder().encode(text));
      if (!text.startsWith(PREFIX[role])) throw new Error('wrong key type');
      return kp;
    } catch {
      throw new JkError('JK8011', { message: `${file} does not hold an NKey seed of the right type (${PREFIX[role]}...)`, fix: 'restore the file from a backup, or remove it to issue a new key (everything signed with the old one must then be issued again)' });
    }
  }
}

/** Writes a file readable by its owner only (0600), through a temporary file; `overwrite` false refuses an existing file. */
export function writePrivate(file: string, text: string, overwrite = true): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!overwrite && existsSync(file)) {
    throw new JkError('JK8012', { message: `${file} exists already and is not replaced`, fix: 'remove it first if a new key is really wanted' });
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}
