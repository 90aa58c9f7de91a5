/** Policy lint: rules over validated manifests, configuration, inline ignores, text/JSON/SARIF output. */
export { DEFAULT_CONFIG, parseLintConfig, type LintConfig } from './config.js';
export { lintDocuments, lintExitCode, lintResources } from './engine.js';
export { formatJson, formatText, summaryText } from './format.js';
export { parseIgnore } from './ignore.js';
export { RULES, ruleById } from './rules/index.js';
export { artifactUri, formatSarif, type SarifOptions } from './sarif.js';
export type { Finding, Level, LintReport, Rule, Severity } from './types.js';
export { explain, renderExplain, type ExplainResult, type FieldExplanation } from './explain.js';
