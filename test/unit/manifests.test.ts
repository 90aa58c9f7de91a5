import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JkError, type ErrorCode, type SourcePosition } from '../../src/errors.js';
import { loadManifests, parseManifests, type FieldPath } from '../../src/manifests/load.js';
import { validateDocuments, type ValidationResult } from '../../src/manifests/validate.js';
import { kindNames } from '../../src/resources/index.js';

/** test/fixtures in the source tree (tests run from dist/test/unit). */
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
const fixture = (name: string) => join(FIXTURES, name);

const noStdin = async (): Promise<string> => {
  throw new Error('stdin must not be read');
};

function validateText(text: string, file = 'm.yaml'): ValidationResult {
  return validateDocuments(parseManifests(text, file));
}

/** Runs fn, expects a JkError, returns it. */
function jkErrorOf(fn: () => unknown): JkError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof JkError, `expected a JkError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a JkError to be thrown');
}

async function jkErrorOfAsync(fn: () => Promise<unknown>): Promise<JkError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof JkError, `expected a JkError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a JkError to be thrown');
}

const pos = (file: string, line: number, col: number): SourcePosition => ({ file, line, col });

describe('parseManifests', () => {
  test('splits multi-document YAML and drops empty and comment-only documents', () => {
    const text = [
      '---',
      'apiVersion: jetstream.nats.io/v1beta2',
      'kind: Stream',
      '---',
      '---',
      '# nothing but a comment',
      '---',
      'kind: Consumer',
      'spec:',
      '  durableName: c1',
      '...',
      '',
    ].join('\n');
    const docs = parseManifests(text, 'multi.yaml');
    assert.deepEqual(
      docs.map((d) => ({ data: d.data, file: d.file, index: d.index })),
      [
        { data: { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream' }, file: 'multi.yaml', index: 0 },
        { data: { kind: 'Consumer', spec: { durableName: 'c1' } }, file: 'multi.yaml', index: 3 },
      ],
    );
  });

  const empty: { what: string; text: string }[] = [
    { what: 'an empty file', text: '' },
    { what: 'a lone document marker', text: '---\n' },
    { what: 'only comments', text: '# a\n# b\n' },
    { what: 'several empty documents', text: '---\n---\n---\n' },
    { what: 'a null document', text: '~\n' },
    { what: 'an empty List', text: 'apiVersion: v1\nkind: List\nitems: []\n' },
  ];
  for (const { what, text } of empty) {
    test(`finds no documents in ${what}`, () => {
      assert.deepEqual(parseManifests(text, 'empty.yaml'), []);
    });
  }

  test('reads a JSON object as one document', () => {
    const text = '{"apiVersion": "jetstream.nats.io/v1beta2", "kind": "Stream",\n "metadata": {"name": "orders"}, "spec": {"name": "ORDERS", "maxAge": "24h"}}';
    const docs = parseManifests(text, 'orders.json');
    assert.equal(docs.length, 1);
    assert.deepEqual(docs[0].data, {
      apiVersion: 'jetstream.nats.io/v1beta2',
      kind: 'Stream',
      metadata: { name: 'orders' },
      spec: { name: 'ORDERS', maxAge: '24h' },
    });
    assert.equal(docs[0].index, 0);
  });

  test('reads a top-level JSON array as one document per element', () => {
    const text = '[\n {"kind": "Stream", "spec": {"name": "A"}},\n {"kind": "Consumer", "spec": {"durableName": "c"}}\n]';
    const docs = parseManifests(text, 'list.json');
    assert.deepEqual(docs.map((d) => d.data), [
      { kind: 'Stream', spec: { name: 'A' } },
      { kind: 'Consumer', spec: { durableName: 'c' } },
    ]);
    assert.deepEqual(docs[1].positionOf(['spec', 'durableName']), pos('list.json', 3, 47));
  });

  test('unwraps kind: List into its items', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: jetstream.nats.io/v1beta2',
      '    kind: Stream',
      '    metadata: {name: a}',
      '    spec:',
      '      name: A',
      '  - apiVersion: jetstream.nats.io/v1beta2',
      '    kind: Consumer',
      '    metadata: {name: c}',
      '    spec:',
      '      streamName: A',
      '      durableName: c',
      '',
    ].join('\n');
    const docs = parseManifests(text, 'list.yaml');
    assert.deepEqual(docs.map((d) => d.data), [
      { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 'a' }, spec: { name: 'A' } },
      { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Consumer', metadata: { name: 'c' }, spec: { streamName: 'A', durableName: 'c' } },
    ]);
    // positions are relative to the file, inside each item
    assert.deepEqual(docs[0].positionOf(['spec', 'name']), pos('list.yaml', 8, 13));
    assert.deepEqual(docs[1].positionOf(['spec', 'durableName']), pos('list.yaml', 14, 20));
    assert.deepEqual(docs[1].keyPositionOf(['kind']), pos('list.yaml', 10, 5));
    assert.deepEqual(validateDocuments(docs).resources.map((r) => r.key), ['Stream/A', 'Consumer/A/c']);
  });

  test('rejects a document that is a plain scalar with JK1002', () => {
    const e = jkErrorOf(() => parseManifests('---\nhello\n', 'scalar.yaml'));
    assert.equal(e.code, 'JK1002');
    assert.equal(e.message, 'a manifest must be a mapping with apiVersion, kind, metadata and spec');
    assert.deepEqual(e.at, pos('scalar.yaml', 2, 1));
    assert.equal(e.fix, 'write the resource as a YAML mapping');
  });

  const syntax: { what: string; text: string; message: string; line: number; col: number }[] = [
    {
      what: 'an unclosed flow sequence',
      text: 'kind: Stream\nspec:\n  name: [ORDERS\n  subjects: x\n',
      message: 'Flow sequence in block collection must be sufficiently indented and end with a ]',
      line: 4,
      col: 3,
    },
    { what: 'a duplicate key', text: 'kind: Stream\nkind: Consumer\n', message: 'Map keys must be unique', line: 2, col: 1 },
    {
      what: 'an error in a later document',
      text: 'kind: Stream\n---\nkind: Consumer\nspec: : x\n',
      message: 'Nested mappings are not allowed in compact mappings',
      line: 4,
      col: 7,
    },
  ];
  for (const { what, text, message, line, col } of syntax) {
    test(`reports ${what} as JK1002 at its line`, () => {
      const e = jkErrorOf(() => parseManifests(text, 'bad.yaml'));
      assert.equal(e.code, 'JK1002');
      assert.equal(e.message, message);
      assert.deepEqual(e.at, pos('bad.yaml', line, col));
      assert.equal(e.fix, 'fix the YAML/JSON syntax at this position');
    });
  }
});

describe('document positions', () => {
  const text = [
    'apiVersion: jetstream.nats.io/v1beta2', // 1
    'kind: Stream', // 2
    'metadata:', // 3
    '  name: orders', // 4
    'spec:', // 5
    '  name: ORDERS', // 6
    '  subjects:', // 7
    '    - orders.created', // 8
    '    - orders.paid', // 9
    '  maxAge: 24h', // 10
    '  placement: {cluster: east, tags: [ssd]}', // 11
    '',
  ].join('\n');
  const [doc] = parseManifests(text, 'pos.yaml');
  const cases: { path: FieldPath; value: [number, number]; key: [number, number] }[] = [
    { path: [], value: [1, 1], key: [1, 1] },
    { path: ['kind'], value: [2, 7], key: [2, 1] },
    { path: ['metadata', 'name'], value: [4, 9], key: [4, 3] },
    { path: ['spec'], value: [6, 3], key: [5, 1] },
    { path: ['spec', 'maxAge'], value: [10, 11], key: [10, 3] },
    { path: ['spec', 'subjects'], value: [8, 5], key: [7, 3] },
    { path: ['spec', 'subjects', 1], value: [9, 7], key: [9, 7] },
    { path: ['spec', 'placement', 'tags', 0], value: [11, 37], key: [11, 37] },
    { path: ['spec', 'placement', 'cluster'], value: [11, 24], key: [11, 15] },
    // a path that does not exist points at its nearest existing parent
    { path: ['spec', 'noSuchField'], value: [6, 3], key: [6, 3] },
    { path: ['spec', 'subjects', 7], value: [8, 5], key: [8, 5] },
  ];
  for (const { path, value, key } of cases) {
    test(`positionOf ${JSON.stringify(path)} is ${value.join(':')} and keyPositionOf is ${key.join(':')}`, () => {
      assert.deepEqual(doc.positionOf(path), pos('pos.yaml', ...value));
      assert.deepEqual(doc.keyPositionOf(path), pos('pos.yaml', ...key));
    });
  }

  test('positions in JSON point at the value and at its quoted key', () => {
    const [j] = parseManifests('{\n  "kind": "Stream",\n  "spec": {"name": "X", "maxAge": "1d"}\n}\n', 'pos.json');
    assert.deepEqual(j.positionOf(['spec', 'maxAge']), pos('pos.json', 3, 35));
    assert.deepEqual(j.keyPositionOf(['spec', 'maxAge']), pos('pos.json', 3, 25));
  });

  test('positions in a later document count lines from the top of the file', () => {
    const docs = parseManifests('kind: Stream\n---\nkind: Consumer\nspec:\n  ackWait: 30s\n', 'two.yaml');
    assert.deepEqual(docs[1].positionOf(['spec', 'ackWait']), pos('two.yaml', 5, 12));
  });
});

describe('validateDocuments on the seed manifests', () => {
  test('order-pipeline.yaml validates to its two streams and three consumers', async () => {
    const docs = await loadManifests([fixture('order-pipeline.yaml')], noStdin);
    const r = validateDocuments(docs);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(
      r.resources.map((x) => [x.key, x.name, x.namespace]),
      [
        ['Stream/ORDERS', 'orders-stream', undefined],
        ['Consumer/ORDERS/fulfillment-created', 'fulfillment-created', undefined],
        ['Consumer/ORDERS/analytics-created', 'analytics-created', undefined],
        ['Stream/PDF_TASKS', 'pdf-tasks', undefined],
        ['Consumer/PDF_TASKS/pdf-workers', 'pdf-workers', undefined],
      ],
    );
    assert.deepEqual(r.resources.map((x) => x.target), [
      { type: 'stream', stream: 'ORDERS' },
      { type: 'consumer', stream: 'ORDERS', consumer: 'fulfillment-created' },
      { type: 'consumer', stream: 'ORDERS', consumer: 'analytics-created' },
      { type: 'stream', stream: 'PDF_TASKS' },
      { type: 'consumer', stream: 'PDF_TASKS', consumer: 'pdf-workers' },
    ]);
    assert.deepEqual(r.resources.map((x) => x.doc?.positionOf([]).line), [8, 22, 35, 48, 60]);
  });

  test('orders-jetstream.yaml (a NACK manifest with namespace) is accepted unchanged', async () => {
    const docs = await loadManifests([fixture('orders-jetstream.yaml')], noStdin);
    const r = validateDocuments(docs);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped, []);
    assert.deepEqual(r.resources.map((x) => [x.key, x.name, x.namespace]), [
      ['Stream/ORDERS', 'orders-stream', 'nats'],
      ['Consumer/ORDERS/order-worker', 'order-worker', 'nats'],
    ]);
    // every field as written survives validation with its value
    for (const res of r.resources) {
      const written = res.doc!.data.spec as Record<string, unknown>;
      const spec = res.spec as Record<string, unknown>;
      for (const [k, v] of Object.entries(written)) assert.deepEqual(spec[k], v, `${res.key} spec.${k}`);
    }
    const stream = r.resources[0].spec as Record<string, unknown>;
    assert.deepEqual(
      {
        subjects: stream.subjects, storage: stream.storage, replicas: stream.replicas, retention: stream.retention,
        maxAge: stream.maxAge, maxBytes: stream.maxBytes, discard: stream.discard,
      },
      {
        subjects: ['orders.created', 'orders.paid', 'orders.cancelled'], storage: 'file', replicas: 3, retention: 'limits',
        maxAge: '24h', maxBytes: 1073741824, discard: 'old',
      },
    );
  });

  test('a Deployment in the same file is skipped, not an error', () => {
    const text = readFileSync(fixture('orders-jetstream.yaml'), 'utf8') +
      '\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n';
    const r = validateText(text, 'with-deployment.yaml');
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.skipped, [{ file: 'with-deployment.yaml', index: 2, apiVersion: 'apps/v1', kind: 'Deployment' }]);
    assert.deepEqual(r.resources.map((x) => x.key), ['Stream/ORDERS', 'Consumer/ORDERS/order-worker']);
  });
});

describe('validateDocuments errors', () => {
  interface ErrorCase {
    name: string;
    file: string;
    code: ErrorCode;
    resource?: string;
    field?: string;
    line: number;
    col: number;
    message: string | RegExp;
    fix: string;
  }
  const cases: ErrorCase[] = [
    {
      name: 'unknown field with a typo suggests the field it resembles (maxAg -> maxAge)',
      file: 'invalid/unknown-field-typo.yaml', code: 'JK1004', resource: 'Stream/orders', field: 'spec.maxAg',
      line: 9, col: 3, message: 'unknown field "maxAg"', fix: 'remove it; did you mean "maxAge"?',
    },
    {
      name: 'unknown snake_case field suggests its camelCase name (max_age -> maxAge)',
      file: 'invalid/unknown-field-snake.yaml', code: 'JK1004', resource: 'Stream/orders', field: 'spec.max_age',
      line: 7, col: 3, message: 'unknown field "max_age"', fix: 'remove it; did you mean "maxAge"?',
    },
    {
      name: 'a value outside the enum lists the allowed values (storage: disk)',
      file: 'invalid/bad-enum.yaml', code: 'JK1005', resource: 'Stream/orders', field: 'spec.storage',
      line: 7, col: 12, message: '"disk" is not allowed', fix: 'use one of "file", "memory"',
    },
    {
      name: 'a duration in days is JK1007 and says to use hours (maxAge: 1d)',
      file: 'invalid/bad-duration.yaml', code: 'JK1007', resource: 'Stream/orders', field: 'spec.maxAge',
      line: 9, col: 11,
      message: '"1d" is not a duration: expected a number followed by ns, us, ms, s, m or h (there is no "d" unit: use 24h)',
      fix: 'use a Go duration such as 500ms, 30s, 5m, 24h or 1h30m',
    },
    {
      name: 'a resource without spec is JK1006',
      file: 'invalid/missing-spec.yaml', code: 'JK1006', resource: 'Stream/orders', field: 'spec',
      line: 1, col: 1, message: 'spec is required', fix: 'add a spec: `jetkeeper schema Stream` prints its fields',
    },
    {
      name: 'a resource without metadata.name is JK1006',
      file: 'invalid/missing-name.yaml', code: 'JK1006', resource: 'Stream/?', field: 'metadata.name',
      line: 4, col: 3, message: 'metadata.name is required', fix: 'add metadata: { name: <name> }',
    },
    {
      name: 'an unknown kind is JK1003 with the closest kind suggested',
      file: 'invalid/unknown-kind.yaml', code: 'JK1003', line: 2, col: 7, message: 'unknown kind "Steam"',
      fix: `use one of ${kindNames().join(', ')}; did you mean "Stream"?`,
    },
    {
      name: 'a resource declared twice is JK1008 naming the first declaration',
      file: 'invalid/duplicate.yaml', code: 'JK1008', resource: 'Stream/orders-again', line: 13, col: 3,
      message: `Stream/ORDERS is declared twice (first in ${fixture('invalid/duplicate.yaml')}:1)`,
      fix: 'keep one declaration of each stream, consumer and bucket',
    },
    {
      name: 'an account that is not declared is JK1011',
      file: 'invalid/unknown-account.yaml', code: 'JK1011', resource: 'Stream/orders', field: 'spec.account',
      line: 7, col: 12, message: 'account "team-a" is not declared',
      fix: 'declare an Account with that metadata.name beside this resource, or remove spec.account',
    },
  ];
  for (const c of cases) {
    test(`${c.name} at file:line:col with a fix`, async () => {
      const path = fixture(c.file);
      const r = validateDocuments(await loadManifests([path], noStdin));
      assert.equal(r.errors.length, 1, r.errors.map((e) => e.format()).join('\n'));
      const [e] = r.errors;
      assert.equal(e.code, c.code);
      assert.equal(e.resource, c.resource);
      assert.equal(e.field, c.field);
      assert.deepEqual(e.at, pos(path, c.line, c.col));
      if (typeof c.message === 'string') assert.equal(e.message, c.message);
      else assert.match(e.message, c.message);
      assert.equal(e.fix, c.fix);
    });
  }

  test('format() puts file:line:col, code, resource and field first and the fix on the next line', async () => {
    const path = fixture('invalid/unknown-field-typo.yaml');
    const [e] = validateDocuments(await loadManifests([path], noStdin)).errors;
    assert.equal(e.format(), `${path}:9:3: JK1004 Stream/orders spec.maxAg: unknown field "maxAg"\n  fix: remove it; did you mean "maxAge"?`);
  });

  test('a duplicate keeps the first declaration and drops the second', async () => {
    const r = validateDocuments(await loadManifests([fixture('invalid/duplicate.yaml')], noStdin));
    assert.deepEqual(r.resources.map((x) => [x.key, x.name]), [['Stream/ORDERS', 'orders']]);
  });

  test('a YAML syntax error in a fixture file is thrown as JK1002 with its line', async () => {
    const path = fixture('invalid/syntax-error.yaml');
    const e = await jkErrorOfAsync(() => loadManifests([path], noStdin));
    assert.equal(e.code, 'JK1002');
    assert.deepEqual(e.at, pos(path, 7, 3));
    assert.equal(e.message, 'Flow sequence in block collection must be sufficiently indented and end with a ]');
  });

  const stream = (spec: string[], top: string[] = []) =>
    ['apiVersion: jetstream.nats.io/v1beta2', 'kind: Stream', ...top, 'metadata:', '  name: orders', 'spec:', ...spec, ''].join('\n');
  const inline: { name: string; text: string; code: ErrorCode; resource?: string; field?: string; line: number; col: number; message: string; fix: string }[] = [
    {
      name: 'unknown nested field suggests a field of the nested object',
      text: stream(['  name: ORDERS', '  placement:', '    clustr: east']),
      code: 'JK1004', resource: 'Stream/orders', field: 'spec.placement.clustr', line: 8, col: 5,
      message: 'unknown field "clustr"', fix: 'remove it; did you mean "cluster"?',
    },
    {
      name: 'unknown top-level field suggests spec',
      text: stream(['  name: ORDERS'], ['specs: {}']),
      code: 'JK1004', resource: 'Stream/orders', field: 'specs', line: 3, col: 1,
      message: 'unknown field "specs"', fix: 'remove it; did you mean "spec"?',
    },
    {
      name: 'unknown field without a close match suggests nothing',
      text: stream(['  name: ORDERS', '  colour: blue']),
      code: 'JK1004', resource: 'Stream/orders', field: 'spec.colour', line: 7, col: 3,
      message: 'unknown field "colour"', fix: 'remove it',
    },
    {
      name: 'missing spec.name is JK1006',
      text: stream(['  subjects: [a]']),
      code: 'JK1006', resource: 'Stream/orders', field: 'spec.name', line: 6, col: 3,
      message: 'required field is missing', fix: 'add spec.name (a string)',
    },
    {
      name: 'a string where a number belongs is JK1005',
      text: stream(['  name: ORDERS', '  replicas: "3"']),
      code: 'JK1005', resource: 'Stream/orders', field: 'spec.replicas', line: 7, col: 13,
      message: 'expected a number, got "3"', fix: 'write spec.replicas as a number',
    },
    {
      name: 'a number out of range is JK1005',
      text: stream(['  name: ORDERS', '  replicas: 7']),
      code: 'JK1005', resource: 'Stream/orders', field: 'spec.replicas', line: 7, col: 13,
      message: '7 is out of range', fix: 'expected number to be <=5',
    },
    {
      name: 'an unsupported jetstream apiVersion is JK1003',
      text: stream(['  name: ORDERS']).replace('v1beta2', 'v1beta1'),
      code: 'JK1003', line: 1, col: 13,
      message: 'unsupported apiVersion jetstream.nats.io/v1beta1', fix: 'use apiVersion: jetstream.nats.io/v1beta2',
    },
    {
      name: 'a document without apiVersion is JK1003',
      text: 'kind: Stream\nmetadata:\n  name: orders\nspec:\n  name: ORDERS\n',
      code: 'JK1003', line: 1, col: 1, message: 'missing apiVersion or kind',
      fix: 'start the document with apiVersion: jetstream.nats.io/v1beta2 and kind: Stream|Consumer|KeyValue|ObjectStore|Account',
    },
    {
      name: 'conflicting consumer fields are JK1009 with the schema\'s fix',
      text: [
        'apiVersion: jetstream.nats.io/v1beta2', 'kind: Consumer', 'metadata:', '  name: c', 'spec:',
        '  streamName: ORDERS', '  durableName: c', '  filterSubject: a', '  filterSubjects: [b]', '',
      ].join('\n'),
      code: 'JK1009', resource: 'Consumer/c', field: 'spec.filterSubjects', line: 9, col: 19,
      message: 'filterSubject and filterSubjects cannot both be set',
      fix: 'put every subject in filterSubjects and remove filterSubject',
    },
    {
      name: 'an account declared in another namespace is JK1011 naming the namespace',
      text: [
        'apiVersion: jetstream.nats.io/v1beta2', 'kind: Account', 'metadata:', '  name: team-a', '  namespace: other', 'spec: {}',
        '---',
        'apiVersion: jetstream.nats.io/v1beta2', 'kind: Stream', 'metadata:', '  name: orders', '  namespace: nats', 'spec:',
        '  name: ORDERS', '  account: team-a', '',
      ].join('\n'),
      code: 'JK1011', resource: 'Stream/orders', field: 'spec.account', line: 15, col: 12,
      message: 'account "team-a" is not declared in namespace nats',
      fix: 'declare an Account with that metadata.name beside this resource, or remove spec.account',
    },
  ];
  for (const c of inline) {
    test(`${c.name} at file:line:col with a fix`, () => {
      const r = validateText(c.text, 'inline.yaml');
      assert.equal(r.errors.length, 1, r.errors.map((e) => e.format()).join('\n'));
      const [e] = r.errors;
      assert.equal(e.code, c.code);
      assert.equal(e.resource, c.resource);
      assert.equal(e.field, c.field);
      assert.deepEqual(e.at, pos('inline.yaml', c.line, c.col));
      assert.equal(e.message, c.message);
      assert.equal(e.fix, c.fix);
    });
  }

  test('an account declared beside the resource satisfies spec.account', () => {
    const r = validateText([
      'apiVersion: jetstream.nats.io/v1beta2', 'kind: Account', 'metadata:', '  name: team-a', 'spec: {}',
      '---',
      'apiVersion: jetstream.nats.io/v1beta2', 'kind: Stream', 'metadata:', '  name: orders', 'spec:',
      '  name: ORDERS', '  account: team-a', '',
    ].join('\n'));
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.resources.map((x) => x.key), ['Account/team-a', 'Stream/ORDERS']);
  });

  test('collects every error of a run, in document order, not just the first', () => {
    const text = [
      stream(['  name: ORDERS', '  maxAg: 24h']),
      stream(['  name: OTHER', '  storage: disk']).replace('name: orders', 'name: other'),
    ].join('---\n');
    const r = validateText(text);
    assert.deepEqual(r.errors.map((e) => [e.code, e.resource, e.field, e.at?.line]), [
      ['JK1004', 'Stream/orders', 'spec.maxAg', 7],
      ['JK1005', 'Stream/other', 'spec.storage', 15],
    ]);
    assert.deepEqual(r.resources, []);
  });
});

describe('loadManifests', () => {
  let dir = '';
  const stream = (name: string) =>
    `apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata:\n  name: ${name.toLowerCase()}\nspec:\n  name: ${name}\n`;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'jetkeeper-manifests-'));
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, 'b.yaml'), stream('B'));
    await writeFile(join(dir, 'a.yml'), stream('A1') + '---\n' + stream('A2'));
    await writeFile(join(dir, 'sub', 'c.json'), JSON.stringify({ apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 'c' }, spec: { name: 'C' } }));
    await writeFile(join(dir, 'sub', 'deeper', 'd.YAML'), stream('D'));
    await writeFile(join(dir, 'notes.txt'), 'kind: Stream\n');
    await writeFile(join(dir, 'README.md'), '# not a manifest\n');
    await writeFile(join(dir, 'values.yaml.bak'), stream('BAK'));
    await writeFile(join(dir, '.hidden.yaml'), stream('HIDDEN'));
    await writeFile(join(dir, '.git', 'e.yaml'), stream('GIT'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('reads a directory recursively, sorted, taking only .yaml, .yml and .json files', async () => {
    const docs = await loadManifests([dir], noStdin);
    assert.deepEqual(
      docs.map((d) => [d.file, d.index, (d.data.spec as { name: string }).name]),
      [
        [join(dir, 'a.yml'), 0, 'A1'],
        [join(dir, 'a.yml'), 1, 'A2'],
        [join(dir, 'b.yaml'), 0, 'B'],
        [join(dir, 'sub', 'c.json'), 0, 'C'],
        [join(dir, 'sub', 'deeper', 'd.YAML'), 0, 'D'],
      ],
    );
  });

  test('reads a single file given directly, whatever its extension', async () => {
    const docs = await loadManifests([join(dir, 'notes.txt')], noStdin);
    assert.deepEqual(docs.map((d) => [d.file, d.data]), [[join(dir, 'notes.txt'), { kind: 'Stream' }]]);
  });

  test('reads - from the readStdin callback as <stdin>, in argument order', async () => {
    let calls = 0;
    const readStdin = async () => {
      calls++;
      return stream('FROM_STDIN');
    };
    const docs = await loadManifests([join(dir, 'b.yaml'), '-'], readStdin);
    assert.equal(calls, 1);
    assert.deepEqual(docs.map((d) => [d.file, (d.data.spec as { name: string }).name]), [
      [join(dir, 'b.yaml'), 'B'],
      ['<stdin>', 'FROM_STDIN'],
    ]);
    assert.deepEqual(docs[1].positionOf(['spec', 'name']), pos('<stdin>', 6, 9));
  });

  test('does not read stdin unless - is given', async () => {
    let calls = 0;
    await loadManifests([join(dir, 'b.yaml')], async () => {
      calls++;
      return '';
    });
    assert.equal(calls, 0);
  });

  test('a path that does not exist is JK1001 naming it', async () => {
    const missing = join(dir, 'nope.yaml');
    const e = await jkErrorOfAsync(() => loadManifests([missing], noStdin));
    assert.equal(e.code, 'JK1001');
    assert.equal(e.message, `${missing} does not exist`);
    assert.equal(e.fix, 'pass an existing file or directory with -f, or - for stdin');
  });

  test('an empty directory gives no documents', async () => {
    const empty = join(dir, 'sub', 'empty');
    await mkdir(empty);
    assert.deepEqual(await loadManifests([empty], noStdin), []);
  });
});

test('a stream source in another JetStream domain maps domain to its API prefix', async () => {
  const { streamToApi } = await import('../../src/resources/stream/index.js');
  const { streamSchema } = await import('../../src/resources/stream/schema.js');
  const spec = streamSchema.parse({ name: 'AGG', storage: 'file', sources: [{ name: 'ORDERS', domain: 'hub' }] });
  assert.deepEqual(streamToApi(spec).sources, [{ name: 'ORDERS', external: { api: '$JS.hub.API' } }]);
  const both = streamSchema.safeParse({ name: 'AGG', sources: [{ name: 'ORDERS', domain: 'hub', externalApiPrefix: '$JS.x.API' }] });
  assert.equal(both.success, false);
});
