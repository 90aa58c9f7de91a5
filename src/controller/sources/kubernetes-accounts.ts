/**
 * Connection settings of a resource that names an Account CR (spec.account, in its namespace):
 * the controller's default settings overlaid by the Account (servers, creds, nkey, token,
 * user/password, TLS, read from the Kubernetes Secrets it names) and then by the resource's own
 * connection fields, as NACK layers them. Secret values go into private files (0600, in a 0700
 * directory removed on stop) that the NATS client reads; they are never logged or shown. The
 * pool key (namespace/Account@resourceVersions) holds no secret and changes when the Account or
 * one of its Secrets changes, so a rotated credential gets a new connection.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JkError } from '../../errors.js';
import type { CustomResource, KubeClient } from '../../kube/client.js';
import { overlaySettings, type ConnectionLayer } from '../../nats/overlay.js';
import type { ConnectionSettings } from '../../nats/settings.js';
import { accountConnection, type FileOrSecret } from '../../resources/account/map.js';
import { accountSchema } from '../../resources/account/schema.js';
import type { ItemConnection } from '../source.js';

export class AccountResolver {
  private dir: string | undefined;

  constructor(private readonly client: KubeClient, private readonly base: ConnectionSettings) {}

  private secretsDir(): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'jetkeeper-secrets-'));
    return this.dir;
  }

  /** Writes one Secret value to a private file named by a hash of where it came from; returns the path. */
  private async secretFile(namespace: string, ref: { secretName: string; key: string }, versions: string[], origin: string): Promise<string> {
    const data = await this.readSecret(namespace, ref.secretName, versions);
    const value = data[ref.key];
    if (!value) {
      throw new JkError('JK5052', {
        message: `Secret "${ref.secretName}" in namespace ${namespace} has no key "${ref.key}"`,
        resource: origin,
        fix: `add the key ${ref.key} to the Secret, or name the key it holds in the Account spec`,
      });
    }
    const file = join(this.secretsDir(), createHash('sha256').update(`${namespace}/${ref.secretName}/${ref.key}`).digest('hex').slice(0, 24));
    writeFileSync(file, value, { mode: 0o600 });
    return file;
  }

  private async readSecret(namespace: string, name: string, versions: string[]): Promise<Record<string, Buffer>> {
    const data = await this.client.readSecret(namespace, name).catch((e: unknown) => {
      throw new JkError('JK5052', { message: `cannot read Secret "${name}" in namespace ${namespace}: ${(e as Error).message}`, fix: 'create the Secret, or grant the controller get on secrets in this namespace', cause: e });
    });
    versions.push(`${name}:${createHash('sha256').update(JSON.stringify(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]))).digest('hex').slice(0, 12)}`);
    return data;
  }

  private async resolve(namespace: string, v: FileOrSecret | undefined, versions: string[], origin: string): Promise<string | undefined> {
    if (v === undefined || typeof v === 'string') return v;
    return this.secretFile(namespace, v, versions, origin);
  }

  /** The Account's connection layer with every Secret value in a private file. */
  private async layer(account: CustomResource, versions: string[]): Promise<ConnectionLayer> {
    const ns = account.metadata.namespace;
    const origin = `Account/${account.metadata.name}`;
    const spec = accountSchema.parse(account.spec ?? {});
    const c = accountConnection(spec);
    const r = (v: FileOrSecret | undefined) => this.resolve(ns, v, versions, origin);
    const user = c.user ? { user: (await r(c.user.user))!, password: (await r(c.user.password))! } : undefined;
    const tls = c.tls ? { ca: await r(c.tls.ca), cert: await r(c.tls.cert), key: await r(c.tls.key), first: spec.tlsFirst || undefined } : undefined;
    return { origin, servers: c.servers, creds: await r(c.creds), nkey: await r(c.nkey), token: await r(c.token), user, tls };
  }

  /** The connection for a resource naming `account` (undefined: the controller's default one). */
  async connectionFor(account: CustomResource | undefined, own: ConnectionLayer | undefined): Promise<ItemConnection | undefined> {
    if (!account && !own) return undefined;
    const versions: string[] = [];
    let settings = this.base;
    if (account) settings = await overlaySettings(settings, await this.layer(account, versions));
    if (own) settings = await overlaySettings(settings, own);
    const id = account ? `${account.metadata.namespace}/Account/${account.metadata.name}@${account.metadata.resourceVersion ?? ''}` : 'default';
    const ownKey = own ? `+${createHash('sha256').update(JSON.stringify(own)).digest('hex').slice(0, 12)}` : '';
    return { poolKey: `${id}${versions.length ? `[${versions.join(',')}]` : ''}${ownKey}`, settings };
  }

  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** The item's own connection fields (servers, creds file, nkey file, TLS, jsDomain) as a layer, when it has any. */
export function ownLayer(kind: string, name: string, spec: Record<string, unknown>): ConnectionLayer | undefined {
  const s = spec as { servers?: string[]; creds?: string; nkey?: string; tls?: { clientCert?: string; clientKey?: string; rootCas?: string[] }; tlsFirst?: boolean; jsDomain?: string };
  const tls = s.tls && (s.tls.rootCas?.length || (s.tls.clientCert && s.tls.clientKey)) ? { ca: s.tls.rootCas?.[0], cert: s.tls.clientCert, key: s.tls.clientKey } : undefined;
  const layer: ConnectionLayer = {
    origin: `${kind}/${name}`,
    servers: s.servers?.length ? s.servers : undefined,
    creds: s.creds || undefined,
    nkey: s.nkey || undefined,
    tls: tls || s.tlsFirst ? { ...tls, first: s.tlsFirst || undefined } : undefined,
    jsDomain: s.jsDomain || undefined,
  };
  return layer.servers || layer.creds || layer.nkey || layer.tls || layer.jsDomain ? layer : undefined;
}
