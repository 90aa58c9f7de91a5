/**
 * The layering rules of the design, checked on the source: pure layers stay pure, one door to
 * NATS, the library never knows the command line, no process.env outside the CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const src = join(root, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

interface SourceFile { path: string; part: string; imports: string[]; text: string }

const files: SourceFile[] = sources(src).map((p) => {
  const text = readFileSync(p, 'utf8');
  const path = relative(src, p);
  const imports = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
  return { path, part: path.includes('/') ? path.split('/')[0] : '(root)', imports, text };
});

/** The part (top-level folder of src/) an import lands in, or the package name. */
function target(f: SourceFile, spec: string): string {
  if (!spec.startsWith('.')) return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  const abs = relative(src, join(src, f.path, '..', spec));
  return abs.includes('/') ? abs.split('/')[0] : '(root)';
}

const never: [from: string, to: string, why: string][] = [
  ['resources', 'nats', 'schemas, mapping and diff are pure'],
  ['plan', 'nats', 'planning is pure: live state comes in as data'],
  ['manifests', 'nats', 'loading and validating manifests needs no server'],
  ['resources', 'cli', 'the library never knows the command line'],
  ['plan', 'cli', 'the library never knows the command line'],
  ['apply', 'cli', 'the library never knows the command line'],
  ['nats', 'cli', 'the library never knows the command line'],
  ['local', 'cli', 'the library never knows the command line'],
  ['lab', 'cli', 'the library never knows the command line'],
  ['load', 'cli', 'the library never knows the command line'],
  ['load', 'lab', 'the load generator serves the lab and the benchmarks, not the other way round'],
  ['nats', 'load', 'the door to NATS knows nothing of the load generator built on it'],
  ['resources', 'local', 'resources are pure'],
  ['plan', 'local', 'planning is pure'],
  ['plan', 'apply', 'planning comes before applying'],
  ['plan', 'reconcile', 'planning is a step of the reconcile core'],
  ['apply', 'reconcile', 'the executor is a step of the reconcile core'],
  ['reconcile', 'cli', 'the library never knows the command line'],
  ['reconcile', 'lab', 'the core serves the lab, not the other way round'],
  ['reconcile', 'local', 'the core reconciles any NATS system, not only a local one'],
  ['nats', 'reconcile', 'the door to NATS knows nothing of the pipeline'],
  ['metrics', 'cli', 'the library never knows the command line'],
  ['metrics', 'lab', 'observability serves the lab, not the other way round'],
  ['metrics', 'local', 'observability reads any NATS system, not only a local one'],
  ['metrics', 'apply', 'observability only reads'],
  ['metrics', 'reconcile', 'observability only reads'],
  ['nats', 'metrics', 'the door to NATS knows nothing of observability'],
  ['lint', 'nats', 'lint checks manifests, never a server'],
  ['lint', 'local', 'lint checks manifests, never a server'],
  ['lint', 'reconcile', 'lint checks manifests, never a server'],
  ['lint', 'apply', 'lint checks manifests, never a server'],
  ['lint', 'cli', 'the library never knows the command line'],
  ['lint', 'lab', 'lint checks manifests, never a server'],
  ['controller', 'cli', 'the library never knows the command line'],
  ['controller', 'local', 'the controller reconciles any NATS system, not only a local one'],
  ['controller', 'lab', 'the controller serves the lab, not the other way round'],
  ['reconcile', 'controller', 'the reconcile core is a step of the controller, not the other way round'],
  ['plan', 'controller', 'planning is a step of the controller'],
  ['nats', 'controller', 'the door to NATS knows nothing of the controller'],
  ['backup', 'cli', 'the library never knows the command line'],
  ['backup', 'apply', 'backups and migrations change streams through src/nats or the reconcile core'],
  ['nats', 'backup', 'the door to NATS knows nothing of the backup format'],
  ['backup', 'local', 'backups work on any NATS system, not only a local one'],
  ['accounts', 'cli', 'the library never knows the command line'],
  ['accounts', 'lab', 'accounts serve the lab, not the other way round'],
];

test('the source tree was found', () => {
  assert.ok(files.length > 30);
  assert.ok(files.some((f) => f.part === 'resources'));
  assert.ok(files.some((f) => f.part === 'load'));
  assert.ok(files.some((f) => f.path === 'lint/rules/index.ts'));
});

for (const [from, to, why] of never) {
  test(`src/${from} never imports src/${to} (${why})`, () => {
    const bad = files.filter((f) => f.part === from).flatMap((f) => f.imports.filter((i) => target(f, i) === to).map((i) => `${f.path} -> ${i}`));
    assert.deepEqual(bad, []);
  });
}

/** src/accounts signs JWTs: it may import exactly these two, and nothing that connects. */
const ACCOUNTS_NATS = new Set(['@nats-io/jwt', '@nats-io/nkeys']);

test('only src/nats imports the NATS client libraries (src/accounts: exactly @nats-io/jwt and @nats-io/nkeys)', () => {
  const bad = files.filter((f) => f.part !== 'nats').flatMap((f) => f.imports.filter((i) => i.startsWith('@nats-io/') && !(f.part === 'accounts' && ACCOUNTS_NATS.has(target(f, i)))).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('src/accounts keeps every connection and request in src/nats (no client library, no sockets)', () => {
  const bad = files.filter((f) => f.part === 'accounts').flatMap((f) => f.imports.filter((i) => ['node:net', 'node:tls', 'node:http', 'node:https', '@nats-io/transport-node', '@nats-io/nats-core'].includes(i)).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('src/nats and src/resources never import src/accounts (keys and signing stay in one place)', () => {
  const bad = files.filter((f) => f.part === 'nats' || f.part === 'resources').flatMap((f) => f.imports.filter((i) => target(f, i) === 'accounts').map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('only src/nats imports the NATS client libraries (outside src/accounts)', () => {
  const bad = files.filter((f) => f.part !== 'nats' && f.part !== 'accounts').flatMap((f) => f.imports.filter((i) => i.startsWith('@nats-io/')).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('only src/cli reads process.env', () => {
  const bad = files.filter((f) => f.part !== 'cli' && /process\.env/.test(f.text)).map((f) => f.path);
  assert.deepEqual(bad, []);
});

test('only src/cli imports src/lab', () => {
  const bad = files.filter((f) => f.part !== 'cli' && f.part !== 'lab').flatMap((f) => f.imports.filter((i) => target(f, i) === 'lab').map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('the controller reaches the executor only through the reconcile core', () => {
  const bad = files.filter((f) => f.part === 'controller').flatMap((f) => f.imports.filter((i) => target(f, i) === 'apply').map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('only src/kube imports the Kubernetes client', () => {
  const bad = files.filter((f) => f.part !== 'kube').flatMap((f) => f.imports.filter((i) => i.startsWith('@kubernetes/')).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('src/kube is a door to the Kubernetes API: it never imports the command line, the executor or the NATS door', () => {
  const bad = files.filter((f) => f.part === 'kube').flatMap((f) => f.imports.filter((i) => ['cli', 'apply', 'nats', 'lab'].includes(target(f, i))).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('the controller talks to NATS only through the reconcile core and src/nats', () => {
  const bad = files.filter((f) => f.part === 'controller' && !f.path.startsWith('controller/sources/kubernetes')).flatMap((f) => f.imports.filter((i) => i.startsWith('@kubernetes/') || i.startsWith('@nats-io/')).map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});

test('the command line reaches the controller through src/controller, never src/apply', () => {
  const bad = files.filter((f) => f.part === 'cli').flatMap((f) => f.imports.filter((i) => target(f, i) === 'apply').map((i) => `${f.path} -> ${i}`));
  assert.deepEqual(bad, []);
});
