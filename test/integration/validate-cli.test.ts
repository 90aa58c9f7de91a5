/**
 * `jetkeeper validate` on one file of a set: an Account kept in another file is a warning there,
 * while plan still refuses with JK1011 before it connects anywhere. No server is started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../helpers/servers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'jetkeeper.js');

function jk(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const dir = makeTempDir('jetkeeper-validate-cli-');
const stream = join(dir, 'stream.yaml');
writeFileSync(stream, 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: {name: foo}\nspec: {name: foo, subjects: [foo.>], account: a}\n');
const account = join(dir, 'account.yaml');
writeFileSync(account, 'apiVersion: jetstream.nats.io/v1beta2\nkind: Account\nmetadata: {name: a}\nspec: {servers: [nats://127.0.0.1:1]}\n');

test('validate -f stream.yaml passes and warns that the account is in another file', () => {
  const r = jk(['validate', '-f', stream]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /warning: .*stream\.yaml:4:\d+: JK1011 Stream\/foo spec\.account: account a is not among the given files; plan and apply will need it/);
  assert.match(r.stdout, /1 resource\(s\) valid\./);
});

test('validate -o json carries the warnings', () => {
  const r = jk(['validate', '-f', stream, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { warnings: { code: string; field: string }[] };
  assert.deepEqual(out.warnings.map((w) => [w.code, w.field]), [['JK1011', 'spec.account']]);
});

test('validate with the Account file too has no warning', () => {
  const r = jk(['validate', '-f', stream, '-f', account]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /warning/);
});

test('plan -f stream.yaml without the Account still fails with JK1011, before connecting', () => {
  const r = jk(['plan', '-f', stream, '-s', 'nats://127.0.0.1:1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /JK1011 Stream\/foo spec\.account: account "a" is not declared/);
  assert.doesNotMatch(r.stderr, /JK2001/);
});
