/**
 * JSON Schema of each kind's manifest, generated from the zod schemas (the single source of
 * truth), for editors (yaml-language-server) and CI. Generated files are checked in under
 * deploy/schema/ and a test fails when they drift from the schemas.
 */
import { z } from 'zod';
import { API_VERSION } from '../resources/kind.js';
import { KINDS, kindByName } from '../resources/index.js';

export type JsonSchema = Record<string, unknown>;

/** The schema of a whole manifest (apiVersion, kind, metadata, spec) of one kind. */
export function manifestJsonSchema(kindName: string): JsonSchema {
  const kind = kindByName(kindName);
  if (!kind) throw new Error(`unknown kind ${kindName}`);
  const spec = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete spec.$schema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://jetkeeper.dev/schema/${kind.plural}.json`,
    title: `${kind.kind} (${API_VERSION})`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: API_VERSION },
      kind: { const: kind.kind },
      metadata: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } },
      },
      spec,
      status: { type: 'object' },
    },
    additionalProperties: false,
  };
}

/** File name -> schema, for every kind. */
export function allJsonSchemas(): Record<string, JsonSchema> {
  return Object.fromEntries(KINDS.map((k) => [`${k.plural}.json`, manifestJsonSchema(k.kind)]));
}
