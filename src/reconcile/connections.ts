/**
 * Which connection each declared resource uses: the command line's settings, overlaid by its
 * Account (spec.account) and by its own connection fields, as NACK does. Resources that end up
 * with the same settings share one connection.
 */
import { JkError } from '../errors.js';
import type { Resource } from '../manifests/validate.js';
import { overlaySettings, settingsKey, type ConnectionLayer } from '../nats/overlay.js';
import { splitServerUrls, type ConnectionSettings } from '../nats/settings.js';
import { accountConnection } from '../resources/account/map.js';
import type { AccountSpec } from '../resources/account/schema.js';
import type { ConnectionSpec } from '../resources/kind.js';

export interface ConnectionGroup {
  settings: ConnectionSettings;
  resources: Resource[];
}

function resourceLayer(r: Resource): ConnectionLayer | undefined {
  const s = r.spec as ConnectionSpec;
  const tls = s.tls && (s.tls.rootCas?.length || (s.tls.clientCert && s.tls.clientKey)) ? { ca: s.tls.rootCas?.[0], cert: s.tls.clientCert, key: s.tls.clientKey } : undefined;
  const layer: ConnectionLayer = {
    origin: `${r.kind}/${r.name}`,
    servers: s.servers?.length ? s.servers.flatMap(splitServerUrls) : undefined,
    creds: s.creds || undefined,
    nkey: s.nkey || undefined,
    tls: tls || s.tlsFirst ? { ...tls, first: s.tlsFirst || undefined } : undefined,
    jsDomain: s.jsDomain || undefined,
  };
  return layer.servers || layer.creds || layer.nkey || layer.tls || layer.jsDomain ? layer : undefined;
}

function accountLayer(account: Resource): ConnectionLayer {
  return { origin: `Account/${account.name}`, ...accountConnection(account.spec as AccountSpec) };
}

/** A resource names an Account that is not among the resources: connecting without it would reach the wrong account. */
function missingAccount(r: Resource, name: string): JkError {
  return new JkError('JK1011', {
    message: `spec.account names Account "${name}"${r.namespace ? ` in namespace ${r.namespace}` : ''}, which is not among the given manifests`,
    resource: r.key,
    field: 'spec.account',
    at: r.doc?.positionOf(['spec', 'account']),
    fix: `give the file that declares Account ${name} as well, or remove spec.account`,
  });
}

/** Groups resources (those with a server target) by the connection they resolve to. */
export async function groupByConnection(resources: readonly Resource[], base: ConnectionSettings): Promise<ConnectionGroup[]> {
  const accounts = new Map(resources.filter((r) => r.kind === 'Account').map((r) => [`${r.namespace ?? ''}/${r.name}`, r]));
  // the base overlaid by each Account once (it may read token and user files), not once per resource naming it
  const viaAccount = new Map<Resource, Promise<ConnectionSettings>>();
  const accountSettings = (account: Resource): Promise<ConnectionSettings> => {
    if (!viaAccount.has(account)) viaAccount.set(account, overlaySettings(base, accountLayer(account)));
    return viaAccount.get(account)!;
  };
  const groups = new Map<string, ConnectionGroup>();
  for (const r of resources) {
    if (!r.target) continue;
    const name = (r.spec as ConnectionSpec).account;
    const account = name ? accounts.get(`${r.namespace ?? ''}/${name}`) : undefined;
    if (name && !account) throw missingAccount(r, name);
    let settings = account ? await accountSettings(account) : base;
    const own = resourceLayer(r);
    if (own) settings = await overlaySettings(settings, own);
    const key = settingsKey(settings);
    const g = groups.get(key) ?? { settings, resources: [] };
    g.resources.push(r);
    groups.set(key, g);
  }
  if (groups.size === 0) groups.set(settingsKey(base), { settings: base, resources: [] });
  return [...groups.values()];
}
