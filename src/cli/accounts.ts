/**
 * `jetkeeper accounts plan|apply|push|roles`: operators, accounts and users as manifests; NKeys kept
 * in a key directory (0600), JWTs and creds issued from it, account JWTs pushed to the resolver.
 */
import type { Command } from 'commander';
import { securityJsonSchema, securityKindNames, accountJwtFiles, applyAccounts, formatIssueResult, formatPushReport, formatSecurityPlan, planAccounts, pushAccounts, ROLES, systemCreds } from '../accounts/index.js';
import { JkError } from '../errors.js';
import { KubeClient } from '../kube/client.js';
import { writeCredsSecrets } from '../kube/secrets.js';
import { loadManifests } from '../manifests/load.js';
import { action, emit, globalOptions, resolveSettings, stateHome, type GlobalOptions, readStdin } from './common.js';
import { join } from 'node:path';

interface AccountsFlags { file?: string[]; keys?: string; url?: string; ca?: string; account?: string[]; wait?: string; secretsNamespace?: string; secretPrefix?: string; kubeconfig?: string }

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function docs(opts: AccountsFlags) {
  if (!opts.file?.length) throw new JkError('JK1010', { message: 'no manifests given', fix: 'pass -f FILE|DIR (repeatable) holding the Operator, NatsAccounts and NatsUsers' });
  return loadManifests(opts.file, readStdin);
}

function keysDir(o: GlobalOptions, opts: AccountsFlags): string {
  return opts.keys ?? join(stateHome(o), 'keys');
}

function withFiles(cmd: Command): Command {
  return cmd
    .option('-f, --file <path>', 'manifest file or directory (repeatable; - for stdin)', collect)
    .option('--keys <dir>', 'key directory: seeds (0600), JWTs, creds and the nats context (default <home>/keys)');
}

export function accountsCommand(program: Command): void {
  const accounts = program.command('accounts').description('operators, accounts and users: NKeys, JWTs, creds, resolver push');
  withFiles(accounts.command('plan').description('show the JWT claims apply would issue or change, per operator, account and user'))
    .option('--detailed-exitcode', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .action(action(async (opts: AccountsFlags & { detailedExitcode?: boolean }, c: Command) => {
      const o = globalOptions(c);
      const plan = planAccounts(await docs(opts), keysDir(o, opts));
      emit(o, plan, () => formatSecurityPlan(plan));
      return opts.detailedExitcode && plan.summary.create + plan.summary.update + plan.summary.revoke > 0 ? 2 : 0;
    }));
  withFiles(accounts.command('apply').description('generate missing seeds (once), issue the JWTs that changed, write creds per user and a nats context for the system user'))
    .option('--url <urls>', 'server URL(s) for the nats context (default: the Operator serviceUrls)')
    .option('--ca <file>', 'CA certificate for the nats context')
    .option('--secrets-namespace <ns>', 'also write each user\'s creds into a Kubernetes Secret <account>-<user>-nats-creds (key user.creds) in this namespace, as an Account CR reads them')
    .option('--secret-prefix <prefix>', 'with --secrets-namespace: put this before every Secret name', '')
    .option('--kubeconfig <file>', 'with --secrets-namespace: kubeconfig file (default: in-cluster, then the usual lookup)')
    .action(action(async (opts: AccountsFlags, c: Command) => {
      const o = globalOptions(c);
      const r = await applyAccounts(await docs(opts), keysDir(o, opts), { url: opts.url, ca: opts.ca });
      const secrets = opts.secretsNamespace ? await writeCredsSecrets(KubeClient.load({ kubeconfig: opts.kubeconfig }), opts.secretsNamespace, r.creds, opts.secretPrefix) : undefined;
      emit(o, secrets ? { ...r, secrets } : r, () => [formatIssueResult(r), ...(secrets ?? []).map((x) => `secret ${opts.secretsNamespace}/${x.name} (${x.user}): ${x.result}`)].join('\n'));
    }));
  withFiles(accounts.command('push').description("send the account JWTs to every server's resolver ($SYS.REQ.CLAIMS.UPDATE) as the system user; report each server's answer"))
    .option('--account <name>', 'push only this NatsAccount (repeatable)', collect)
    .option('--wait <ms>', 'how long to wait for the servers to answer', '2000')
    .action(action(async (opts: AccountsFlags, c: Command) => {
      const o = globalOptions(c);
      const d = await docs(opts);
      const dir = keysDir(o, opts);
      const files = Object.fromEntries(Object.entries(accountJwtFiles(d, dir)).filter(([a]) => !opts.account?.length || opts.account.includes(a)));
      const settings = resolveSettings({ ...o, creds: o.creds ?? (o.nkey || o.user || o.token ? undefined : systemCreds(d, dir)) });
      const r = await pushAccounts(dir, settings, files, Number(opts.wait) || 2000);
      emit(o, r, () => formatPushReport(r));
      return r.ok ? 0 : 1;
    }));
  accounts.command('schema').description('print the JSON Schema of Operator, NatsAccount or NatsUser (for editors)').argument('<kind>', securityKindNames().join(' | '))
    .action(action(async (kind: string) => {
      const schema = securityJsonSchema(kind);
      if (!schema) throw new JkError('JK1012', { message: `unknown kind ${JSON.stringify(kind)}`, fix: `pass one of ${securityKindNames().join(', ')}` });
      process.stdout.write(JSON.stringify(schema, null, 2) + '\n');
    }));
  accounts.command('roles').description('list the role templates a NatsUser can name with spec.role').action(action(async (_opts: unknown, c: Command) => {
    const o = globalOptions(c);
    emit(o, ROLES, () => Object.entries(ROLES).map(([n, r]) => `${n}: ${r.description}\n  publish allow ${JSON.stringify(r.permissions.publish?.allow ?? [])} deny ${JSON.stringify(r.permissions.publish?.deny ?? [])}\n  subscribe allow ${JSON.stringify(r.permissions.subscribe?.allow ?? [])} deny ${JSON.stringify(r.permissions.subscribe?.deny ?? [])}`).join('\n'));
  }));
}
