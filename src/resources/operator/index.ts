import type { SecurityKind } from '../security.js';
import { operatorSchema, type OperatorSpec } from './schema.js';

export const operatorKind: SecurityKind<OperatorSpec> = { kind: 'Operator', plural: 'operators', schema: operatorSchema };
export { operatorSchema, type OperatorSpec };
