/**
 * `jetkeeper validate` as a user runs it (the built CLI, no server) over BackupPolicy documents:
 * validated with the same error style (code, resource, field, file:line, fix), listed as valid
 * resources, no longer skipped; other documents and NACK manifests behave as before.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let dir = '';

const STREAM = 'apiVersion: jetstream.nats.io/v1beta2\nkind: Stream\nmetadata: { name: orders }\nspec: { name: ORDERS, subjects: [orders.>], storage: file, replicas: 3, maxAge: 24h }\n';
const policy = (schedule: string) => `apiVersion: jetstream.jetkeeper.io/v1alpha1\nkind: BackupPolicy\nmetadata: { name: nightly }\nspec:\n  streams: [ORDERS]\n  schedule: "${schedule}"\n  destination: /backups\n`;
const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\n';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'jk-validate-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function run(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/jetkeeper.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

type Report = { valid: boolean; resources: { kind: string; key: string; file: string; line: number }[]; skipped: { kind: string }[] };

test('a BackupPolicy beside a stream is validated and listed, not skipped', () => {
  const f = file('ok.yaml', `${STREAM}---\n${policy('30 2 * * *')}---\n${DEPLOYMENT}`);
  const r = run(['validate', '-f', f, '-o', 'json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Report;
  assert.deepEqual(j.resources.map((x) => x.key), ['Stream/ORDERS', 'BackupPolicy/nightly']);
  assert.deepEqual(j.resources[1], { kind: 'BackupPolicy', name: 'nightly', key: 'BackupPolicy/nightly', file: f, line: 6 });
  assert.deepEqual(j.skipped.map((s) => s.kind), ['Deployment']);
  const t = run(['validate', '-f', f]);
  assert.match(t.out, /ok {2}BackupPolicy\/nightly {2}\(BackupPolicy\/nightly\)/);
  assert.match(t.out, /2 resource\(s\) valid\./);
});

test('an invalid BackupPolicy fails validate with JK7013, the field and file:line', () => {
  const f = file('bad.yaml', `${STREAM}---\n${policy('every night')}`);
  const r = run(['validate', '-f', f]);
  assert.equal(r.code, 1);
  assert.match(r.err, /JK7013/);
  assert.match(r.err, /BackupPolicy\/nightly/);
  assert.match(r.err, /spec\.schedule/);
  assert.ok(r.err.includes(`${f}:11:13`), r.err);
  const unknown = run(['validate', '-f', file('typo.yaml', policy('30 2 * * *').replace('destination', 'destinaton')), '-o', 'json']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.out + unknown.err, /JK7013/);
});

test('a file holding only BackupPolicy documents is valid; only foreign documents is still JK1010', () => {
  assert.equal(run(['validate', '-f', file('only.yaml', policy('30 2 * * *'))]).code, 0);
  const r = run(['validate', '-f', file('deploy.yaml', DEPLOYMENT)]);
  assert.equal(r.code, 1);
  assert.match(r.err, /JK1010 no jetstream\.nats\.io resources/);
});
