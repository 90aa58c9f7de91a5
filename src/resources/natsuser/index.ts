import type { SecurityKind } from '../security.js';
import { natsUserSchema, type NatsUserSpec } from './schema.js';

export const natsUserKind: SecurityKind<NatsUserSpec> = { kind: 'NatsUser', plural: 'natsusers', schema: natsUserSchema };
export { natsUserSchema };
export type { NatsUserSpec, PermissionsSpec } from './schema.js';
