import { test } from 'node:test';
import assert from 'node:assert/strict';
import { preflight, refusalErrors } from '../../src/apply/outcome.js';
import { JkError } from '../../src/errors.js';
import { parseManifests } from '../../src/manifests/load.js';
import { validateDocuments } from '../../src/manifests/validate.js';
import type { Change, Plan } from '../../src/plan/plan.js';
import { groupByConnection } from '../../src/reconcile/connections.js';

const change = (action: Change['action'], key: string, extra: Partial<Change> = {}): Change => ({
  action, kind: key.startsWith('Stream') ? 'Stream' : 'Consumer', key,
  target: key.startsWith('Stream') ? { type: 'stream', stream: key.split('/')[1] } : { type: 'consumer', stream: key.split('/')[1], consumer: key.split('/')[2] },
  fields: [], ...extra,
});

test('preflight decides every change that must not be sent, from a closed set of reasons', () => {
  const p: Plan = {
    serverVersion: '2.15.2', owner: 'o',
    changes: [
      change('noop', 'Stream/A'), change('skip', 'Stream/B', { reason: 'preventUpdate: true' }), change('unsupported', 'Stream/C', { reason: 'x needs 2.14' }),
      change('replace', 'Stream/D', { reason: 'storage: cannot change' }), change('delete', 'Stream/E'), change('create', 'Consumer/F/c', { waitsFor: 'Stream/F' }),
      change('create', 'Stream/G'),
    ],
    prune: { deletes: 1, owned: 1, declared: 0, limit: 1, explicit: false, refused: 'nothing-declared' },
  };
  const got = Object.fromEntries(preflight(p, { allowReplace: false }).map(({ outcome: o }) => [o.key, o.result === 'refused' ? `refused:${o.reason}` : o.result]));
  assert.deepEqual(got, {
    'Stream/A': 'skipped', 'Stream/B': 'skipped', 'Stream/C': 'refused:unsupported', 'Stream/D': 'refused:replace-not-allowed',
    'Stream/E': 'refused:prune-nothing-declared', 'Consumer/F/c': 'waiting',
  });
  const allowed = preflight(p, { allowReplace: true }).map((x) => x.outcome.key);
  assert.equal(allowed.includes('Stream/D'), false, 'replace goes ahead when allowed');
  assert.deepEqual(refusalErrors(p, { allowReplace: false }).map((e) => e.code), ['JK3002', 'JK3001', 'JK3007']);
});

test('a resource naming an Account that is not given cannot be grouped: JK1011 at plan and apply', async () => {
  const { resources } = validateDocuments(parseManifests(
    'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: foo}\nspec: {name: foo, subjects: [foo], account: a}\n', 'stream.yaml',
  ));
  await assert.rejects(groupByConnection(resources, { servers: ['nats://h:1'] }), (e: unknown) =>
    e instanceof JkError && e.code === 'JK1011' && e.at?.file === 'stream.yaml' && e.at.line === 4 && /Account "a"/.test(e.message));
});

test('a config the server stored otherwise names each field with both values, never "unsupported"', async () => {
  const { storedOtherwise } = await import('../../src/apply/apply.js');
  const { diffConfigs } = await import('../../src/plan/plan.js');
  const { kindByName } = await import('../../src/resources/index.js');
  const H = 3600e9;
  const fields = diffConfigs(kindByName('Stream')!, { name: 'S', subjects: ['s'], max_age: 24 * H }, { name: 'S', subjects: ['s'], max_age: 48 * H });
  const e = storedOtherwise({ key: 'Stream/S', kind: 'Stream' }, fields, '2.15.2');
  assert.equal(e.code, 'JK3005');
  assert.equal(e.message, 'nats-server 2.15.2 stored a different config than sent: maxAge: sent 24h, stored 48h');
  assert.match(e.fix ?? '', /declare that value/);
  assert.doesNotMatch(`${e.message} ${e.fix}`, /does not support these fields/);
});
