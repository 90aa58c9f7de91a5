/** The security kinds (`jetstream.jetkeeper.io/v1alpha1`): they create no JetStream asset, they issue JWTs. */
import type { z } from 'zod';
import type { SecurityKindName } from './kind.js';

export interface SecurityKind<Spec = unknown> {
  kind: SecurityKindName;
  plural: string;
  /** zod schema of `spec`; strict, with defaults */
  schema: z.ZodType<Spec>;
}

/** A byte size: a number of bytes, -1 for unlimited, or text such as 512MB, 1GiB, 10G. */
export function parseSize(v: number | string): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= -1 ? v : undefined;
  const m = /^(\d+)\s*([KMGT]?)(i?B?)$/i.exec(v.trim());
  if (!m) return undefined;
  const power = ' KMGT'.indexOf(m[2].toUpperCase() || ' ');
  const n = Number(m[1]) * 1024 ** power;
  return Number.isSafeInteger(n) ? n : undefined;
}
