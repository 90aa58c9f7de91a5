/**
 * core/v1 Events for custom resources, deduplicated as kubectl shows them: the same type, reason
 * and message for the same object bumps `count` and `lastTimestamp` of the existing Event
 * instead of creating a new one (also across controller restarts: the existing Event is found
 * by listing the object's Events once).
 */
import { randomBytes } from 'node:crypto';
import type { CustomResource, KubeClient } from './client.js';

export interface EventInput {
  obj: CustomResource;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

interface Known { name: string; count: number }

/** Event messages are limited to 1 KiB by the API server. */
const MAX_MESSAGE = 1024;

export class EventRecorder {
  private readonly known = new Map<string, Known>();

  constructor(private readonly client: KubeClient, private readonly component = 'jetkeeper') {}

  async record(e: EventInput): Promise<void> {
    const message = e.message.length > MAX_MESSAGE ? `${e.message.slice(0, MAX_MESSAGE - 3)}...` : e.message;
    const ns = e.obj.metadata.namespace;
    const id = JSON.stringify([e.obj.metadata.uid, e.type, e.reason, message]);
    const known = this.known.get(id) ?? (await this.find(e, message));
    const now = new Date();
    if (known) {
      known.count++;
      this.known.set(id, known);
      await this.client.patchEvent(ns, known.name, { count: known.count, lastTimestamp: now.toISOString() });
      return;
    }
    const name = `${e.obj.metadata.name}.${randomBytes(8).toString('hex')}`;
    await this.client.createEvent(ns, {
      metadata: { name, namespace: ns },
      involvedObject: { apiVersion: e.obj.apiVersion, kind: e.obj.kind, name: e.obj.metadata.name, namespace: ns, uid: e.obj.metadata.uid, resourceVersion: e.obj.metadata.resourceVersion },
      type: e.type, reason: e.reason, message, count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: this.component }, reportingComponent: this.component, reportingInstance: this.component,
    });
    this.known.set(id, { name, count: 1 });
  }

  /** The object's existing Event with the same type, reason and message (from an earlier run). */
  private async find(e: EventInput, message: string): Promise<Known | undefined> {
    if (!e.obj.metadata.uid) return undefined;
    const events = await this.client.listEvents(e.obj.metadata.namespace, `involvedObject.uid=${e.obj.metadata.uid}`);
    const same = events.find((x) => x.type === e.type && x.reason === e.reason && x.message === message && x.metadata?.name);
    return same ? { name: same.metadata!.name!, count: same.count ?? 1 } : undefined;
  }
}
