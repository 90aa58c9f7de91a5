/**
 * Creds as Kubernetes Secrets: one Secret per NATS user (`<account>-<user>-nats-creds`, key
 * `user.creds`), the shape NACK's Account CR reads (`spec.creds: {secret: {name}, file: user.creds}`).
 * A Secret is written only when its content changed; values never reach a message.
 */
import { readFileSync } from 'node:fs';
import { httpStatus, kubeError, type KubeClient } from './client.js';

export const CREDS_KEY = 'user.creds';

export interface CredsSecret {
  /** `account/user` */
  user: string;
  name: string;
  result: 'created' | 'updated' | 'unchanged';
}

/** A DNS-1123 name for a user's creds Secret. */
export function credsSecretName(user: string, prefix = ''): string {
  const base = `${prefix}${user.replace('/', '-')}-nats-creds`.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
  return base.slice(0, 253).replace(/-+$/, '');
}

async function writeOne(client: KubeClient, namespace: string, user: string, file: string, prefix: string): Promise<CredsSecret> {
  const name = credsSecretName(user, prefix);
  const value = readFileSync(file);
  const [account, nats] = user.split('/');
  const body = {
    apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'jetkeeper', 'jetkeeper.io/account': account, 'jetkeeper.io/user': nats } },
    data: { [CREDS_KEY]: value.toString('base64') },
  };
  let current: Record<string, Buffer> | undefined;
  try {
    current = await client.readSecret(namespace, name);
  } catch (e) {
    if (httpStatus((e as { cause?: unknown }).cause ?? e) !== 404) throw e;
  }
  if (current && current[CREDS_KEY]?.equals(value)) return { user, name, result: 'unchanged' };
  try {
    await client.upsert(body);
  } catch (e) {
    throw kubeError(`write Secret ${name} in ${namespace}`, e);
  }
  return { user, name, result: current ? 'updated' : 'created' };
}

/** Writes every user's creds file (`account/user` -> path) into a Secret of `namespace`. */
export async function writeCredsSecrets(client: KubeClient, namespace: string, creds: Readonly<Record<string, string>>, prefix = ''): Promise<CredsSecret[]> {
  const out: CredsSecret[] = [];
  for (const [user, file] of Object.entries(creds).sort(([a], [b]) => (a < b ? -1 : 1))) out.push(await writeOne(client, namespace, user, file, prefix));
  return out;
}
