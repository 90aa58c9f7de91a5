/**
 * Operator spec (`jetstream.jetkeeper.io/v1alpha1`): the root of trust of a NATS system in
 * operator mode. It issues accounts; one of them is the system account.
 */
import { z } from 'zod';
import { natsName } from '../common.js';

export const operatorSchema = z.strictObject({
  /** the operator's name in its JWT; default metadata.name */
  name: natsName(1).optional(),
  /** metadata.name of the NatsAccount that is the system account */
  systemAccount: z.string().min(1),
  /** name of the user of the system account that jetkeeper issues for `accounts push` and the nats context */
  systemUser: natsName(1).default('system'),
  /** sign accounts with an operator signing key (the identity key then only signs the operator JWT) */
  signingKey: z.boolean().default(false),
  /** the servers' client URLs (operator_service_urls, and the url of the nats context) */
  serviceUrls: z.array(z.string().min(1)).optional(),
  accountServerUrl: z.string().min(1).optional(),
});

export type OperatorSpec = z.infer<typeof operatorSchema>;
