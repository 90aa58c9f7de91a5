/** JSON Schema of the security kinds' manifests (for editors: yaml-language-server), from their zod schemas. */
import { z } from 'zod';
import { SECURITY_API_VERSION } from '../resources/kind.js';
import { SECURITY_KINDS } from '../resources/index.js';

export function securityJsonSchema(kindName: string): Record<string, unknown> | undefined {
  const kind = SECURITY_KINDS.find((k) => k.kind.toLowerCase() === kindName.toLowerCase());
  if (!kind) return undefined;
  const spec = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete spec.$schema;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://jetkeeper.dev/schema/${kind.plural}.json`,
    title: `${kind.kind} (${SECURITY_API_VERSION})`,
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: { const: SECURITY_API_VERSION },
      kind: { const: kind.kind },
      metadata: { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } } },
      spec,
    },
    additionalProperties: false,
  };
}

export function securityKindNames(): string[] {
  return SECURITY_KINDS.map((k) => k.kind);
}
