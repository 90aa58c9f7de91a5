/**
 * JSON Schema of each kind's manifest, generated from the zod schemas (the single source of
 * truth), for editors (yaml-language-server) and CI. Generated files are checked in under
 * deploy/schema/ and a test fails when they drift from the schemas.
 */
import { z } from 'zod';
import { API_VERSION } from '../resources/kind.js';
import { KINDS, kindByName } from '../resources/index.js';

export type JsonSchema = Record<string, unknown>;

/** A Go duration (`30s`, `1h30m`, `1.5h`, `0`), as `parseDuration` reads it; editors flag `1d` while typing. */
export const GO_DURATION_PATTERN = '^\\+?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';

type OverrideContext = { zodSchema: unknown; jsonSchema: Record<string, unknown> };

/**
 * Durations are strings refined in code, which JSON Schema cannot see: a string schema that
 * takes `1h30m` and `0` and refuses `1d` is a duration, and gets the pattern (allowing "" when it does).
 */
function durationPattern(ctx: OverrideContext): void {
  const zs = ctx.zodSchema as { safeParse?: (v: unknown) => { success: boolean }; _zod?: { def?: { type?: string } } };
  if (ctx.jsonSchema.type !== 'string' || zs._zod?.def?.type !== 'string' || !zs.safeParse) return;
  const ok = (v: string) => zs.safeParse!(v).success;
  if (!ok('1h30m') || !ok('0') || ok('1d')) return;
  ctx.jsonSchema.pattern = ok('') ? `^$|${GO_DURATION_PATTERN}` : GO_DURATION_PATTERN;
}

/** The schema of a whole manifest (apiVersion, kind, metadata, spec) of one kind. */
export function manifestJsonSchema(kindName: string): JsonSchema {
  const kind = kindByName(kindName);
  if (!kind) throw new Error(`unknown kind ${kindName}`);
  const spec = z.toJSONSchema(kind.schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12', override: durationPattern }) as JsonSchema;
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

/**
 * One schema for a file of any of our kinds (a Stream and its Consumers in one file): each
 * document is checked against the schema its `kind` selects.
 */
export function anyKindJsonSchema(): JsonSchema {
  const byKind = KINDS.map((k) => {
    const { $schema: _s, $id: _i, ...schema } = manifestJsonSchema(k.kind);
    return { if: { properties: { kind: { const: k.kind } }, required: ['kind'] }, then: schema };
  });
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://jetkeeper.dev/schema/manifests.json',
    title: `any jetkeeper manifest (${API_VERSION})`,
    type: 'object',
    required: ['apiVersion', 'kind'],
    properties: { kind: { enum: KINDS.map((k) => k.kind) } },
    allOf: byKind,
  };
}

/** File name -> schema, for every kind, and manifests.json for a file of several kinds. */
export function allJsonSchemas(): Record<string, JsonSchema> {
  return { ...Object.fromEntries(KINDS.map((k) => [`${k.plural}.json`, manifestJsonSchema(k.kind)])), 'manifests.json': anyKindJsonSchema() };
}
