/** The server rules of every kind, by kind (for validate, lint and explain). */
import type { KindName } from './kind.js';
import { runRules, type RuleIssue, type SpecRule } from './rules.js';
import { streamRules } from './stream/rules.js';
import { consumerRules } from './consumer/rules.js';
import { keyValueRules } from './keyvalue/rules.js';
import { objectStoreRules } from './objectstore/rules.js';

export const RULES: Readonly<Record<KindName, readonly SpecRule<any>[]>> = {
  Stream: streamRules,
  Consumer: consumerRules,
  KeyValue: keyValueRules,
  ObjectStore: objectStoreRules,
  Account: [],
};

/** The issues of one parsed spec of a kind. */
export function checkSpec(kind: KindName, spec: unknown): RuleIssue[] {
  return runRules(RULES[kind], spec);
}
