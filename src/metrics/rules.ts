/**
 * The shipped alert rules (deploy/monitoring/) as data: the PrometheusRule that wraps the plain
 * rules file, the annotation-free copy the promtool tests run against, and the metric names an
 * expression uses (to check they are series jetkeeper produces).
 */

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface RulesFile {
  groups: RuleGroup[];
}

/** The PrometheusRule (prometheus-operator) carrying `rules`' groups. */
export function prometheusRule(rules: RulesFile, name = 'jetkeeper'): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, labels: { 'app.kubernetes.io/name': 'jetkeeper', 'app.kubernetes.io/component': 'monitoring' } },
    spec: { groups: rules.groups },
  };
}

/** The same rules without annotations (promtool's alert tests compare annotations verbatim). */
export function withoutAnnotations(rules: RulesFile): RulesFile {
  return { groups: rules.groups.map((g) => ({ name: g.name, rules: g.rules.map(({ annotations: _a, ...r }) => r) })) };
}

const PROMQL_WORDS = new Set([
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'sum', 'min', 'max', 'avg', 'count',
  'increase', 'rate', 'irate', 'delta', 'idelta', 'deriv', 'max_over_time', 'min_over_time', 'avg_over_time', 'sum_over_time', 'count_over_time',
  'topk', 'bottomk', 'histogram_quantile', 'label_replace', 'abs', 'clamp_min', 'clamp_max', 'vector', 'scalar', 'time', 'absent', 'changes', 'resets',
  'humanizePercentage', 'humanizeDuration', 'le', 'x',
]);

/** Metric names an expression selects (words followed by `{`, `[`, or standing alone, minus PromQL keywords and label names). */
export function metricNames(expr: string): string[] {
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const noLabelLists = noStrings.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ').replace(/\{[^}]*\}/g, '{}');
  const words = noLabelLists.match(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\{|\[|\)|\s|$|>|<|=|!|\/|\*|\+|-))/g) ?? [];
  return [...new Set(words.filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w) && /_/.test(w)))];
}

/** The GitHub-style anchor of a Markdown heading: lower case, spaces to dashes, punctuation dropped. */
export function headingAnchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
}
