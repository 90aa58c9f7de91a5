/** Counters of a load run. */

export interface LoadStats {
  /** messages / requests started */
  attempted: number;
  /** published, received or answered */
  completed: number;
  failed: number;
  errors: Record<string, number>;
  bytes: number;
  elapsedMs: number;
}

export function newLoadStats(): LoadStats {
  return { attempted: 0, completed: 0, failed: 0, errors: {}, bytes: 0, elapsedMs: 0 };
}

/** Adds `by` to `m[k]`. */
export function bump(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}
