import type { ResourceKind } from '../kind.js';
import { accountSchema, type AccountSpec, type AccountSpecInput } from './schema.js';
import { accountConnection, AUTH_PRECEDENCE, type AccountConnection, type FileOrSecret, type SecretKeyRef } from './map.js';

/** Creates nothing on the server: it only carries connection settings for other resources. */
export const accountKind: ResourceKind<AccountSpec> = {
  kind: 'Account',
  plural: 'accounts',
  aliases: ['account', 'accounts', 'acc'],
  schema: accountSchema,
  target: () => undefined,
  toApi: () => ({}),
  fromApi: () => ({}),
  normalise: () => ({}),
  immutable: [],
  features: [],
  specFields: {},
  durationFields: [],
};

export { accountSchema, accountConnection, AUTH_PRECEDENCE };
export type { AccountSpec, AccountSpecInput, AccountConnection, FileOrSecret, SecretKeyRef };
