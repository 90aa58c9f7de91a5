/**
 * Schema pieces and mappings shared by several kinds: durations, connection fields,
 * stream sources, placement, republish, subject transforms.
 */
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';
import type { ApiConfig } from './kind.js';

/**
 * A Go duration string ("24h", "1m30s"); the issue carries code JK1007. An empty string means
 * unset, as NACK treats it (`ackWait: ""`).
 */
export const duration = () =>
  z.string().superRefine((s, ctx) => {
    if (s === '') return;
    durationIssue(s, ctx);
  });

/** A duration that must be given (a backoff step): "" is an error. */
export const requiredDuration = () => z.string().superRefine(durationIssue);

function durationIssue(s: string, ctx: z.RefinementCtx): void {
  const r = parseDuration(s);
  if ('error' in r) {
    const fix = s.trim() !== s && s.trim() ? `write ${JSON.stringify(s.trim())}, without spaces or line breaks (Go and NACK refuse them)` : undefined;
    ctx.addIssue({ code: 'custom', message: r.error, params: { code: 'JK1007', fix } });
  } else if (r.ns < 0) ctx.addIssue({ code: 'custom', message: `"${s}" is negative`, params: { code: 'JK1007' } });
}

/** An RFC3339 timestamp ("2026-01-02T15:04:05Z") that is a real instant (Go time.Parse rules). */
export const timestamp = () =>
  z.string().superRefine((s, ctx) => {
    const problem = timestampProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { code: 'JK1005', fix: 'write an RFC3339 timestamp such as 2026-01-02T15:04:05Z' } });
  });

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Why a string is not an RFC3339 instant (undefined when it is one). */
export function timestampProblem(s: string): string | undefined {
  const m = RFC3339.exec(s);
  if (!m) return `${JSON.stringify(s)} is not an RFC3339 timestamp such as 2026-01-02T15:04:05Z`;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12) return `${JSON.stringify(s)}: month ${m[2]} is out of range (01 to 12)`;
  if (d < 1 || d > days) return `${JSON.stringify(s)}: day ${m[3]} is out of range (01 to ${days})`;
  if (h > 23 || mi > 59 || se > 59) return `${JSON.stringify(s)}: the time of day ${m[4]}:${m[5]}:${m[6]} is out of range`;
  if (m[9] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return `${JSON.stringify(s)}: the time zone offset is out of range`;
  return undefined;
}

/** Integers only (no 1.5 where the API wants an int64); zod's int() also keeps to the safe range (2^53-1). */
export const int = () => z.number().int();

/** Name that may not contain `.`, `*` or `>` (NACK's pattern for stream and account names). */
export const natsName = (min = 0) =>
  z.string().min(min).regex(/^[^.*>]*$/, { message: 'must not contain ".", "*" or ">"' });

/** Connection and lifecycle fields (NACK BaseStreamConfig + ConnectionOpts), with CRD defaults. */
export const connectionFields = {
  account: natsName().optional(),
  creds: z.string().default(''),
  nkey: z.string().default(''),
  preventDelete: z.boolean().default(false),
  preventUpdate: z.boolean().default(false),
  servers: z.array(z.string()).default([]),
  tls: z
    .strictObject({
      clientCert: z.string().optional(),
      clientKey: z.string().optional(),
      rootCas: z.array(z.string()).optional(),
    })
    .optional(),
  tlsFirst: z.boolean().default(false),
  jsDomain: z.string().optional(),
};

export const subjectTransformSchema = z.strictObject({ source: z.string(), dest: z.string() });

export const placementSchema = z.strictObject({
  cluster: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

export const republishSchema = z.strictObject({
  source: z.string().optional(),
  destination: z.string(),
  /** not in NACK's CRD (it prunes it); jetkeeper accepts it */
  headersOnly: z.boolean().optional(),
});

export const streamSourceSchema = z.strictObject({
  name: z.string().min(1),
  optStartSeq: int().min(0).optional(),
  optStartTime: timestamp().optional(),
  filterSubject: z.string().optional(),
  externalApiPrefix: z.string().optional(),
  externalDeliverPrefix: z.string().optional(),
  subjectTransforms: z.array(subjectTransformSchema).optional(),
  /** jetkeeper extension: the source's JetStream domain (same as externalApiPrefix `$JS.<domain>.API`) */
  domain: z.string().min(1).optional(),
  /** a durable consumer on the origin that the server sources through (nats-server 2.14) */
  consumer: z.strictObject({ name: natsName(1), deliverSubject: z.string().min(1) }).optional(),
}).refine((s) => !(s.domain && s.externalApiPrefix), {
  message: 'give either domain or externalApiPrefix, not both',
  path: ['domain'],
  params: { code: 'JK1009' },
});

export type StreamSourceSpec = z.infer<typeof streamSourceSchema>;
export type PlacementSpec = z.infer<typeof placementSchema>;
export type RepublishSpec = z.infer<typeof republishSchema>;

/** Nanoseconds of a duration string that the schema already checked. */
export function ns(d: string): number {
  const r = parseDuration(d);
  if ('error' in r) throw new Error(`unchecked duration ${d}`);
  return r.ns;
}

/** Removes undefined values so API objects compare and print cleanly. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** A positive number as it is; undefined for 0, negatives and non-numbers (the field is left out). */
export const positive = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);

/** `true` as it is; undefined for false and absent (the field is left out). */
export const flag = (v: unknown): true | undefined => (v === true ? true : undefined);

export function sourceToApi(s: StreamSourceSpec): ApiConfig {
  const api = s.domain ? `$JS.${s.domain}.API` : s.externalApiPrefix;
  const external =
    api || s.externalDeliverPrefix
      ? compact({ api: api || undefined, deliver: s.externalDeliverPrefix || undefined })
      : undefined;
  return compact({
    name: s.name,
    opt_start_seq: positive(s.optStartSeq),
    opt_start_time: s.optStartTime || undefined,
    filter_subject: s.filterSubject || undefined,
    external,
    subject_transforms: s.subjectTransforms?.length
      ? s.subjectTransforms.map((t) => ({ src: t.source, dest: t.dest }))
      : undefined,
    consumer: s.consumer ? { name: s.consumer.name, deliver_subject: s.consumer.deliverSubject } : undefined,
  });
}

export function sourceFromApi(a: ApiConfig): StreamSourceSpec {
  const ext = (a.external ?? {}) as { api?: string; deliver?: string };
  const st = a.subject_transforms as { src: string; dest: string }[] | undefined;
  const consumer = a.consumer as { name?: string; deliver_subject?: string } | undefined;
  return compact({
    name: String(a.name),
    optStartSeq: positive(a.opt_start_seq),
    optStartTime: typeof a.opt_start_time === 'string' && a.opt_start_time ? a.opt_start_time : undefined,
    filterSubject: typeof a.filter_subject === 'string' && a.filter_subject ? a.filter_subject : undefined,
    externalApiPrefix: ext.api || undefined,
    externalDeliverPrefix: ext.deliver || undefined,
    subjectTransforms: st?.length ? st.map((t) => ({ source: t.src, dest: t.dest })) : undefined,
    consumer: consumer?.name ? { name: consumer.name, deliverSubject: consumer.deliver_subject ?? '' } : undefined,
  });
}

/** A source as the server echoes it back: it drops `opt_start_time` of the zero time and `deliver` sometimes. */
export function normaliseSource(a: unknown): ApiConfig {
  const s = sourceFromApi((a ?? {}) as ApiConfig);
  return sourceToApi(s);
}

export function placementToApi(p: PlacementSpec | undefined): ApiConfig | undefined {
  if (!p || (!p.cluster && !p.tags?.length)) return undefined;
  return compact({ cluster: p.cluster || undefined, tags: p.tags?.length ? p.tags : undefined });
}

export function placementFromApi(a: unknown): PlacementSpec | undefined {
  const p = (a ?? {}) as { cluster?: string; tags?: string[] };
  if (!p.cluster && !p.tags?.length) return undefined;
  return compact({ cluster: p.cluster || undefined, tags: p.tags?.length ? p.tags : undefined });
}

export function republishToApi(r: RepublishSpec | undefined): ApiConfig | undefined {
  if (!r) return undefined;
  // without a source the server republishes everything and stores src ">": send it that way
  return compact({ src: r.source || '>', dest: r.destination, headers_only: r.headersOnly || undefined });
}

export function republishFromApi(a: unknown): RepublishSpec | undefined {
  const r = a as { src?: string; dest?: string; headers_only?: boolean } | undefined;
  if (!r?.dest) return undefined;
  return compact({ source: r.src || undefined, destination: r.dest, headersOnly: r.headers_only || undefined });
}

/** Duration field of a spec from API nanoseconds; undefined for 0/absent. */
export function durationFromApi(v: unknown): string | undefined {
  return typeof v === 'number' && v > 0 ? formatDuration(v) : undefined;
}

/** Fields of ConnectionSpec: not part of any API config; excluded when mapping. */
export const CONNECTION_KEYS = Object.keys(connectionFields);
