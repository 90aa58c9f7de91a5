/** Live state -> manifests (`jetkeeper export`): what exists, written as jetstream.nats.io/v1beta2 resources. */
import { API_VERSION, metadataValue, OWNER_KEY, type ApiConfig } from '../resources/kind.js';
import { kindByName, kindOfLiveStream } from '../resources/index.js';

export { kindOfLiveStream };

export interface ExportInput {
  streams: { config: ApiConfig }[];
  consumers: { stream: string; name: string; config: ApiConfig }[];
}

export interface ExportOptions {
  /** only resources carrying this owner tag */
  owner?: string;
  /** only these streams (and their consumers) */
  streams?: string[];
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
}

/**
 * Kubernetes object names: lowercase letters, digits and '-' (DNS-1123), at most `max` characters,
 * starting and ending with a letter or digit (also after truncation).
 */
export function toResourceName(name: string, max = 63): string {
  const n = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, max).replace(/-+$/, '');
  return n || 'resource';
}

export function exportManifests(live: ExportInput, opts: ExportOptions = {}): Manifest[] {
  const owned = (c: ApiConfig) => !opts.owner || metadataValue(c, OWNER_KEY) === opts.owner;
  const wanted = (stream: string) => !opts.streams?.length || opts.streams.includes(stream);
  const used = new Set<string>();
  const unique = (kind: string, base: string) => {
    let name = toResourceName(base);
    // the suffix must fit in the 63 characters too
    for (let i = 2; used.has(`${kind}/${name}`); i++) name = `${toResourceName(base, 62 - String(i).length)}-${i}`;
    used.add(`${kind}/${name}`);
    return name;
  };
  const out: Manifest[] = [];
  const streams = [...live.streams].sort((a, b) => (String(a.config.name) < String(b.config.name) ? -1 : String(a.config.name) > String(b.config.name) ? 1 : 0));
  for (const s of streams) {
    const name = String(s.config.name);
    if (!wanted(name) || !owned(s.config)) continue;
    const kind = kindOfLiveStream(s.config);
    out.push({ apiVersion: API_VERSION, kind: kind.kind, metadata: { name: unique(kind.kind, name.replace(/^(KV|OBJ)_/, '')) }, spec: kind.fromApi(s.config) });
  }
  const consumerKind = kindByName('Consumer');
  const buckets = new Set(live.streams.filter((s) => kindOfLiveStream(s.config).kind !== 'Stream').map((s) => String(s.config.name)));
  const consumers = [...live.consumers].sort((a, b) => (`${a.stream}/${a.name}` < `${b.stream}/${b.name}` ? -1 : 1));
  for (const c of consumers) {
    // only durable consumers are declared; ephemeral ones belong to running clients
    if (!consumerKind || !c.config.durable_name || buckets.has(c.stream) || !wanted(c.stream) || !owned(c.config)) continue;
    out.push({
      apiVersion: API_VERSION,
      kind: 'Consumer',
      metadata: { name: unique('Consumer', `${c.stream}-${c.name}`) },
      spec: consumerKind.fromApi({ ...c.config, stream_name: c.stream }),
    });
  }
  return out;
}
