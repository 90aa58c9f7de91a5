/**
 * Role templates for the order pipeline's services and for jetkeeper itself: the subject
 * permissions each needs, and nothing more. A NatsUser names one with `role`; its own
 * `permissions` are added on top.
 */
import type { PermissionsSpec } from '../resources/index.js';

export interface RoleTemplate {
  description: string;
  permissions: PermissionsSpec;
}

const INBOX = '_INBOX.>';

/** The rights of a consumer of one durable: fetch, ack, read its info; never create or delete. */
function durableConsumer(stream: string, durable: string): string[] {
  return [`$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`, `$JS.API.CONSUMER.INFO.${stream}.${durable}`, `$JS.ACK.${stream}.${durable}.>`, '$JS.API.INFO'];
}

/** Every JetStream API subject jetkeeper's reconcile core sends (read, create, update, delete streams and consumers), no more. */
export const CONTROLLER_API = [
  '$JS.API.INFO',
  '$JS.API.STREAM.NAMES', '$JS.API.STREAM.LIST', '$JS.API.STREAM.INFO.*', '$JS.API.STREAM.CREATE.*', '$JS.API.STREAM.UPDATE.*', '$JS.API.STREAM.DELETE.*',
  '$JS.API.CONSUMER.NAMES.*', '$JS.API.CONSUMER.LIST.*', '$JS.API.CONSUMER.INFO.*.*', '$JS.API.CONSUMER.CREATE.>', '$JS.API.CONSUMER.DURABLE.CREATE.*.*', '$JS.API.CONSUMER.DELETE.*.*',
];

export const ROLES: Readonly<Record<string, RoleTemplate>> = {
  checkout: {
    description: 'publishes orders.created (acked by the ORDERS stream) and requests fraud.check; never payments.> nor the JetStream API',
    permissions: { publish: { allow: ['orders.created', 'fraud.check'], deny: ['$JS.API.>'] }, subscribe: { allow: [INBOX], deny: ['payments.>'] } },
  },
  fraud: {
    description: 'answers fraud.check requests: it may publish only the one reply to each request it received',
    permissions: { publish: { deny: ['>'] }, subscribe: { allow: ['fraud.check'] }, responses: { max: 1 } },
  },
  fulfillment: {
    description: 'consumes its durable fulfillment-created on ORDERS and publishes orders.fulfilled; cannot delete streams or consumers',
    permissions: {
      publish: { allow: [...durableConsumer('ORDERS', 'fulfillment-created'), 'orders.fulfilled'], deny: ['$JS.API.STREAM.DELETE.>', '$JS.API.CONSUMER.DELETE.>'] },
      subscribe: { allow: [INBOX] },
    },
  },
  analytics: {
    description: 'consumes its durable analytics-created on ORDERS',
    permissions: { publish: { allow: durableConsumer('ORDERS', 'analytics-created'), deny: ['$JS.API.STREAM.DELETE.>'] }, subscribe: { allow: [INBOX] } },
  },
  'pdf-worker': {
    description: 'takes work from the pdf-workers durable of the PDF_TASKS work queue',
    permissions: { publish: { allow: durableConsumer('PDF_TASKS', 'pdf-workers'), deny: ['$JS.API.STREAM.DELETE.>'] }, subscribe: { allow: [INBOX] } },
  },
  controller: {
    description: "jetkeeper's own identity: exactly the JetStream API requests of plan and apply (no purge, message access, snapshots or server administration)",
    permissions: { publish: { allow: CONTROLLER_API }, subscribe: { allow: [INBOX] } },
  },
};

export function roleNames(): string[] {
  return Object.keys(ROLES);
}

/** The role's permissions with the user's own added (allow and deny lists are unions, in order, without repeats). */
export function withRole(role: string | undefined, own: PermissionsSpec | undefined): PermissionsSpec {
  const base = role ? ROLES[role]?.permissions ?? {} : {};
  const union = (a?: string[], b?: string[]) => (a || b ? [...new Set([...(a ?? []), ...(b ?? [])])] : undefined);
  const merge = (a?: { allow?: string[]; deny?: string[] }, b?: { allow?: string[]; deny?: string[] }) =>
    a || b ? { allow: union(a?.allow, b?.allow), deny: union(a?.deny, b?.deny) } : undefined;
  return { publish: merge(base.publish, own?.publish), subscribe: merge(base.subscribe, own?.subscribe), responses: own?.responses ?? base.responses };
}
