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
