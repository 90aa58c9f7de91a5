/** Stream selectors: label-selector terms over stream metadata, `name` globs, and clear errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSelector } from '../../src/backup/selector.js';
import { validateBackupPolicies } from '../../src/backup/policy.js';
import { parseManifests } from '../../src/manifests/load.js';
import { JkError } from '../../src/errors.js';

const s = (name: string, metadata?: Record<string, string>) => ({ name, metadata });

test('terms: key=value, key==value, key!=value, key, !key; all must hold', () => {
  const streams = [s('ORDERS', { team: 'orders' }), s('ARCHIVE', { team: 'orders', tier: 'cold' }), s('PAY', { team: 'payments' }), s('BARE')];
  const pick = (t: string) => streams.filter((x) => parseSelector(t).matches(x)).map((x) => x.name);
  assert.deepEqual(pick('team=orders'), ['ORDERS', 'ARCHIVE']);
  assert.deepEqual(pick('team==orders'), ['ORDERS', 'ARCHIVE']);
  assert.deepEqual(pick('team!=orders'), ['PAY', 'BARE']);
  assert.deepEqual(pick('tier'), ['ARCHIVE']);
  assert.deepEqual(pick('!team'), ['BARE']);
  assert.deepEqual(pick(' team = orders , !tier '), ['ORDERS']);
  assert.deepEqual(pick('jetkeeper.io/owner=x'), []);
});

test('the reserved key name matches stream names, * as a wildcard (other characters literal)', () => {
  const streams = [s('ORDERS'), s('ORDERS_V2'), s('KV_config'), s('ORDERSX.'), s('A.B')];
  const pick = (t: string) => streams.filter((x) => parseSelector(t).matches(x)).map((x) => x.name);
  assert.deepEqual(pick('name=ORDERS*'), ['ORDERS', 'ORDERS_V2', 'ORDERSX.']);
  assert.deepEqual(pick('name!=KV_*'), ['ORDERS', 'ORDERS_V2', 'ORDERSX.', 'A.B']);
  assert.deepEqual(pick('name=A.B'), ['A.B']);
  assert.deepEqual(pick('name=A?B'), []);
});

test('bad terms are JK7014 naming the term; an empty selector too', () => {
  for (const bad of ['=x', 'team=a,!b=c', 'a b=c', '!', ',,']) {
    assert.throws(() => parseSelector(bad), (e: unknown) => e instanceof JkError && e.code === 'JK7014', bad);
  }
  assert.throws(() => parseSelector('team=a,=x'), /"=x"/);
});

test('a BackupPolicy selector needs all: true and must parse (JK7013 at spec.selector)', () => {
  const doc = (extra: string) => `apiVersion: jetstream.jetkeeper.io/v1alpha1\nkind: BackupPolicy\nmetadata: {name: p}\nspec:\n  schedule: "0 2 * * *"\n  destination: /b\n${extra}`;
  assert.deepEqual(validateBackupPolicies(parseManifests(doc('  all: true\n  selector: team=orders\n'), 'p.yaml')).errors, []);
  const noAll = validateBackupPolicies(parseManifests(doc('  streams: [A]\n  selector: team=orders\n'), 'p.yaml')).errors;
  assert.deepEqual(noAll.map((e) => [e.code, e.field]), [['JK7013', 'spec.selector']]);
  const bad = validateBackupPolicies(parseManifests(doc('  all: true\n  selector: "=x"\n'), 'p.yaml')).errors;
  assert.deepEqual(bad.map((e) => [e.code, e.field, e.at?.line]), [['JK7013', 'spec.selector', 8]]);
});
