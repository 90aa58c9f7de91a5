/**
 * NatsUser spec (`jetstream.jetkeeper.io/v1alpha1`): one identity issued by a NatsAccount, with
 * its subject permissions, connection types, bearer flag and expiry. A `role` starts from one of
 * jetkeeper's role templates; `permissions` adds to it.
 */
import { z } from 'zod';
import { duration, int, natsName, timestamp } from '../common.js';
import { size, subject } from '../natsaccount/schema.js';

const allowDeny = z.strictObject({ allow: z.array(subject()).optional(), deny: z.array(subject()).optional() });

export const CONNECTION_TYPES = ['STANDARD', 'WEBSOCKET', 'LEAFNODE', 'LEAFNODE_WS', 'MQTT', 'MQTT_WS', 'IN_PROCESS'] as const;

export const permissionsSchema = z.strictObject({
  publish: allowDeny.optional(),
  subscribe: allowDeny.optional(),
  /** may publish to the reply subjects of requests it received (max replies, for how long) */
  responses: z.strictObject({ max: int().min(1).default(1), ttl: duration().optional() }).optional(),
});

export const natsUserSchema = z.strictObject({
  /** the user's name in its JWT; default metadata.name */
  name: natsName(1).optional(),
  /** metadata.name of the NatsAccount that issues this user */
  account: z.string().min(1),
  /** the service this identity belongs to (lint: one user per service) */
  service: z.string().min(1).optional(),
  /** a role template (checkout, fulfillment, controller, ...) to start from */
  role: z.string().min(1).optional(),
  permissions: permissionsSchema.optional(),
  connectionTypes: z.array(z.enum(CONNECTION_TYPES)).optional(),
  /** a bearer token: the server does not ask for the signature of a nonce (the creds file alone authenticates) */
  bearer: z.boolean().default(false),
  /** how long an issued JWT is valid (Go duration, e.g. 720h); absent: no expiry */
  expiry: duration().optional(),
  /** a fixed end of validity instead of `expiry` */
  expiresAt: timestamp().optional(),
  /** client addresses (CIDR) the user may connect from */
  sourceNetworks: z.array(z.string().min(1)).optional(),
  limits: z.strictObject({ subscriptions: int().min(-1).optional(), data: size().optional(), payload: size().optional() }).optional(),
  /** revoke every JWT issued for this user so far: the account JWT lists it and the servers disconnect it */
  revoked: z.boolean().default(false),
});

export type NatsUserSpec = z.infer<typeof natsUserSchema>;
export type PermissionsSpec = z.infer<typeof permissionsSchema>;
