import type { ResourceKind } from '../kind.js';
import { objectStoreSchema, type ObjectStoreSpec, type ObjectStoreSpecInput } from './schema.js';
import { OBJ_PREFIX, objectStoreFromApi, objectStoreToApi, objStreamName } from './map.js';
import { OBJ_DURATIONS, OBJ_FEATURES, OBJ_IMMUTABLE, OBJ_SPEC_FIELDS } from './diff.js';
import { normaliseStream } from '../stream/diff.js';

export const objectStoreKind: ResourceKind<ObjectStoreSpec> = {
  kind: 'ObjectStore',
  plural: 'objectstores',
  aliases: ['obj', 'objectstore', 'objectstores', 'os'],
  schema: objectStoreSchema,
  target: (s) => ({ type: 'stream', stream: objStreamName(s.bucket) }),
  toApi: objectStoreToApi,
  fromApi: objectStoreFromApi,
  // an object store is a stream on the server: its config normalises exactly like a stream config
  normalise: normaliseStream,
  immutable: OBJ_IMMUTABLE,
  features: OBJ_FEATURES,
  specFields: OBJ_SPEC_FIELDS,
  durationFields: OBJ_DURATIONS,
  claims: (c) => String(c.name).startsWith(OBJ_PREFIX),
};

export { objectStoreSchema, objectStoreToApi, objectStoreFromApi };
export type { ObjectStoreSpec, ObjectStoreSpecInput };
