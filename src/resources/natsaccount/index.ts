import type { SecurityKind } from '../security.js';
import { natsAccountSchema, type NatsAccountSpec } from './schema.js';

export const natsAccountKind: SecurityKind<NatsAccountSpec> = { kind: 'NatsAccount', plural: 'natsaccounts', schema: natsAccountSchema };
export { natsAccountSchema };
export type { NatsAccountSpec, JetStreamLimitsSpec, ExportSpec, ImportSpec } from './schema.js';
