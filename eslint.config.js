// ESLint for jetkeeper (run by `npm test` right after tsc, and by `npm run lint`).
// Type-aware rules for every TypeScript file; size limits for src/; and the layering rules of
// the design as per-folder `no-restricted-imports` (pure layers stay pure, one door to NATS,
// the library never knows the command line).
import { tseslint } from 'jetkeeper-lint-toolchain';

/** A relative import that lands in the top-level part `part` of src/ (e.g. `../../nats/admin.js`). */
const part = (name, why) => ({ regex: `^(\\./|(\\.\\./)+)${name}(/|$)`, message: `src/${name}: ${why}` });
const cli = part('cli', 'the library never knows the command line');
const lab = part('lab', 'only src/cli imports the lab');
const nats = part('nats', 'this layer is pure: live state comes in as data');
const local = part('local', 'this layer does not start servers');
const natsClient = { regex: '^@nats-io/', message: 'only src/nats imports the NATS client libraries' };
const natsClientButKeys = { regex: '^@nats-io/(?!(jwt|nkeys)$)', message: 'src/accounts signs with @nats-io/jwt and @nats-io/nkeys only; connections live in src/nats' };

/** What each part of src/ must never import; parts not named here get `default`. */
const forbidden = {
  default: [cli, lab, natsClient],
  cli: [natsClient],
  nats: [cli, lab],
  resources: [cli, lab, natsClient, nats, local],
  plan: [cli, lab, natsClient, nats, local],
  manifests: [cli, lab, natsClient, nats, local],
  apply: [cli, lab, natsClient],
  local: [cli, lab, natsClient],
  lab: [cli, natsClient],
  load: [cli, lab, natsClient],
  reconcile: [cli, lab, natsClient, local],
  accounts: [cli, lab, natsClientButKeys],
};

const layering = Object.entries(forbidden).map(([name, patterns]) => ({
  files: name === 'default' ? ['src/**/*.ts'] : [`src/${name}/**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
}));

export default [
  { ignores: ['dist/', '**/node_modules/', 'deploy/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      complexity: ['error', 20],
      'max-depth': ['error', 4],
      'max-params': ['error', 5],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'only src/cli reads process.env: take settings as options' }],
    },
  },
  { files: ['src/cli/**/*.ts'], rules: { 'no-restricted-properties': 'off' } },
  ...layering,
];
