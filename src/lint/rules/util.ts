/** Small helpers the rules share. */
import type { FieldPath } from '../../manifests/load.js';
import type { Resource } from '../../manifests/validate.js';
import { parseDuration } from '../../resources/duration.js';
import type { RawFinding } from '../types.js';

export const at = (resource: Resource, path: FieldPath, message: string, fix?: string): RawFinding => ({ resource, path, message, fix });

export const spec = (...path: (string | number)[]): FieldPath => ['spec', ...path];

/** Nanoseconds of a Go duration, undefined when it is none. */
export function nanos(d: string | undefined): number | undefined {
  if (!d) return undefined;
  const r = parseDuration(d);
  return 'error' in r ? undefined : r.ns;
}

/** Stream, KeyValue and ObjectStore: the kinds that hold data (each is a stream on the server). */
export const dataKinds = (r: Resource): boolean => r.kind === 'Stream' || r.kind === 'KeyValue' || r.kind === 'ObjectStore';

/** A stream's JetStream name or a bucket's name, for messages. */
export const label = (r: Resource): string => `${r.kind}/${r.name}`;
