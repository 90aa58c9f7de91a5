import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accountConnection, accountKind, accountSchema, AUTH_PRECEDENCE } from '../../src/resources/account/index.js';

function issues(spec: unknown): { path: string; code: string; message: string }[] {
  const r = accountSchema.safeParse(spec);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code, message: i.message }));
}
const conn = (spec: unknown) => accountConnection(accountSchema.parse(spec));

/** Account specs in the shapes NACK's docs and examples use. */
const NACK_SECRET_FORM = {
  name: 'a',
  servers: ['nats://nats.io:4222'],
  tls: { secret: { name: 'nack-a-tls' }, ca: 'ca.crt', cert: 'tls.crt', key: 'tls.key' },
  creds: { secret: { name: 'nack-a-creds' }, file: 'a.creds' },
};
const NACK_FILE_FORM = {
  servers: ['tls://nats-1:4222', 'tls://nats-2:4222'],
  tls: { ca: '/etc/nats/ca.crt', cert: '/etc/nats/tls.crt', key: '/etc/nats/tls.key' },
  creds: { file: '/etc/nats/user.creds' },
};

describe('Account schema', () => {
  const valid: [string, unknown][] = [
    ['the secret form from NACK examples', NACK_SECRET_FORM],
    ['the file form', NACK_FILE_FORM],
    ['an nkey seed in a Secret', { nkey: { secret: { name: 'nkeys' }, seed: 'seed' } }],
    ['a token in a Secret', { token: { secret: { name: 'tok' }, token: 'token' } }],
    ['a user and password in a Secret', { user: { secret: { name: 'up' }, user: 'username', password: 'password' } }],
    ['tlsFirst', { servers: ['tls://x:4222'], tlsFirst: true }],
    ['an empty spec', {}],
  ];
  for (const [name, spec] of valid) {
    it(`accepts ${name}`, () => assert.deepEqual(issues(spec), []));
  }

  it('defaults tlsFirst to false', () => {
    assert.equal(accountSchema.parse({}).tlsFirst, false);
  });

  const invalid: [string, unknown, string][] = [
    ['an unknown top-level field', { servers: [], jsDomain: 'x' }, ''],
    ['an unknown field in tls (stream-style clientCert)', { tls: { clientCert: '/c' } }, 'tls'],
    ['an unknown field in a secret reference', { creds: { secret: { name: 'n', namespace: 'other' }, file: 'f' } }, 'creds.secret'],
    ['a secret without a name', { token: { secret: {}, token: 't' } }, 'token.secret.name'],
    ['creds given as a plain string (the Stream form)', { creds: '/etc/user.creds' }, 'creds'],
    ['an account name with a dot', { name: 'a.b' }, 'name'],
    ['an empty server URL', { servers: [''] }, 'servers.0'],
  ];
  for (const [name, spec, path] of invalid) {
    it(`rejects ${name} at "${path}"`, () => {
      assert.ok(issues(spec).some((i) => i.path === path), JSON.stringify(issues(spec)));
    });
  }

  it('does not echo a value into its messages', () => {
    const secretLooking = 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4';
    const r = accountSchema.safeParse({ nkey: { secret: { name: 'n' }, seed: secretLooking, extra: secretLooking } });
    assert.equal(r.success, false);
    assert.equal(JSON.stringify(r.error?.issues).includes(secretLooking), false);
    assert.equal(String(r.error).includes(secretLooking), false);
  });
});

describe('accountConnection', () => {
  it('without secrets the values are file paths', () => {
    assert.deepEqual(conn(NACK_FILE_FORM), {
      servers: ['tls://nats-1:4222', 'tls://nats-2:4222'],
      creds: '/etc/nats/user.creds',
      tls: { ca: '/etc/nats/ca.crt', cert: '/etc/nats/tls.crt', key: '/etc/nats/tls.key' },
    });
  });

  it('with a secret the values are keys inside that Secret', () => {
    assert.deepEqual(conn(NACK_SECRET_FORM), {
      servers: ['nats://nats.io:4222'],
      creds: { secretName: 'nack-a-creds', key: 'a.creds' },
      tls: {
        ca: { secretName: 'nack-a-tls', key: 'ca.crt' },
        cert: { secretName: 'nack-a-tls', key: 'tls.crt' },
        key: { secretName: 'nack-a-tls', key: 'tls.key' },
      },
    });
  });

  it('maps the nkey seed, token and user/password keys', () => {
    assert.deepEqual(
      conn({
        nkey: { secret: { name: 'nk' }, seed: 'seed' },
        token: { secret: { name: 'tk' }, token: 'token' },
        user: { secret: { name: 'up' }, user: 'u', password: 'p' },
      }),
      {
        nkey: { secretName: 'nk', key: 'seed' },
        token: { secretName: 'tk', key: 'token' },
        user: { user: { secretName: 'up', key: 'u' }, password: { secretName: 'up', key: 'p' } },
      },
    );
  });

  it('a file-form nkey is the path of the seed file', () => {
    assert.deepEqual(conn({ nkey: { seed: '/etc/nats/user.nk' } }), { nkey: '/etc/nats/user.nk' });
  });

  it('uses a client cert only together with its key, as NACK does', () => {
    assert.deepEqual(conn({ tls: { ca: '/ca', cert: '/cert' } }), { tls: { ca: '/ca' } });
    assert.deepEqual(conn({ tls: { cert: '/cert' } }), {});
  });

  it('uses a user only together with a password, as NACK does', () => {
    assert.deepEqual(conn({ user: { secret: { name: 'up' }, user: 'u' } }), {});
  });

  it('leaves out name and tlsFirst, which NACK ignores, and empty settings', () => {
    assert.deepEqual(conn({ name: 'acc', tlsFirst: true, servers: [], creds: { file: '' } }), {});
  });

  it('lists auth methods in NACK precedence order', () => {
    assert.deepEqual([...AUTH_PRECEDENCE], ['creds', 'nkey', 'token', 'user']);
  });
});

describe('Account kind', () => {
  const spec = accountSchema.parse(NACK_SECRET_FORM);
  it('creates nothing on the server', () => {
    assert.equal(accountKind.target(spec), undefined);
    assert.deepEqual(accountKind.toApi(spec), {});
    assert.deepEqual(accountKind.fromApi({ name: 'x' }), {});
    assert.deepEqual(accountKind.normalise({ name: 'x' }), {});
    assert.deepEqual(accountKind.immutable, []);
    assert.deepEqual(accountKind.features, []);
    assert.equal(accountKind.claims, undefined);
  });
  it('is found by its plural and aliases', () => {
    assert.equal(accountKind.kind, 'Account');
    assert.equal(accountKind.plural, 'accounts');
    assert.deepEqual([...accountKind.aliases].sort(), ['acc', 'account', 'accounts']);
  });
});
