/** The security model as declared: one operator, its accounts, their users, each with where it came from. */
import type { SourcePosition } from '../errors.js';
import type { NatsAccountSpec, NatsUserSpec, OperatorSpec } from '../resources/index.js';
import type { FieldPath } from '../manifests/load.js';

export interface Declared<Spec> {
  /** metadata.name: names files and references */
  name: string;
  spec: Spec;
  /** `NatsUser/checkout` */
  ref: string;
  /** position of a field of the document (absent for resources built in code) */
  at?: (path: FieldPath) => SourcePosition;
}

export interface SecurityModel {
  operator: Declared<OperatorSpec>;
  accounts: Declared<NatsAccountSpec>[];
  users: Declared<NatsUserSpec>[];
}

/** The name in the JWT: spec.name, else metadata.name. */
export function jwtName(d: Declared<{ name?: string }>): string {
  return d.spec.name ?? d.name;
}
