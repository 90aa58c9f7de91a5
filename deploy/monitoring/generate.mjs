// Regenerates prometheusrule.yaml and tests/rules-under-test.yaml from jetkeeper-rules.yaml (after `npx tsc -p tsconfig.json`):
//   node deploy/monitoring/generate.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { prometheusRule, withoutAnnotations } from '../../dist/src/metrics/rules.js';
const d = new URL('./', import.meta.url).pathname;
const rules = parse(readFileSync(d + 'jetkeeper-rules.yaml', 'utf8'));
writeFileSync(d + 'prometheusrule.yaml', '# The groups of jetkeeper-rules.yaml as a prometheus-operator PrometheusRule (kept equal by test/unit/monitoring-rules.test.ts).\n' + stringify(prometheusRule(rules), { lineWidth: 0 }));
writeFileSync(d + 'tests/rules-under-test.yaml', '# jetkeeper-rules.yaml without annotations, for promtool\'s alert tests (kept equal by test/unit/monitoring-rules.test.ts).\n' + stringify(withoutAnnotations(rules), { lineWidth: 0 }));
