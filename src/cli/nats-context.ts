/** The nats CLI context `jetkeeper` that `up` registers for its cluster and `down` removes. */
import { homedir } from 'node:os';
import { natsConfigDir, registerContext, unregisterContext, type RegisteredContext } from '../nats/context.js';

export const NATS_CONTEXT = 'jetkeeper';

/** Where the nats CLI keeps its contexts here ($XDG_CONFIG_HOME/nats or ~/.config/nats). */
function configDir(): string {
  return natsConfigDir(homedir(), process.env.XDG_CONFIG_HOME);
}

/** Registers `jetkeeper` for the cluster at `urls`; undefined when a context of that name is not ours. */
export function registerClusterContext(urls: readonly string[], select: boolean): Promise<RegisteredContext | undefined> {
  return registerContext(configDir(), NATS_CONTEXT, urls.join(','), { select });
}

/** Removes `jetkeeper` when it points at the cluster at `urls`. */
export function unregisterClusterContext(urls: readonly string[]): Promise<boolean> {
  return unregisterContext(configDir(), NATS_CONTEXT, urls.join(','));
}

/** The line `up` prints about the nats CLI context it wrote (null: one of that name was not ours). */
export function describeClusterContext(natsContext: RegisteredContext | null): string {
  return natsContext
    ? `nats CLI context ${NATS_CONTEXT}${natsContext.selected ? ' (selected)' : ''}: nats --context ${NATS_CONTEXT} stream ls`
    : `a nats CLI context named ${NATS_CONTEXT} that jetkeeper did not write exists: left as it is`;
}
