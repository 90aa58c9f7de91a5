/** `jetkeeper report servers|streams|consumers [STREAM]`: the nats CLI's report columns plus storage % of own limit and oldest-unacked age. */
import type { Command } from 'commander';
import { consumerRows, serverRows, streamRows } from '../metrics/report.js';
import { action, emit, globalOptions, table } from './common.js';
import { monitorOptions, takeSnapshot, type MonitorFlags } from './metrics.js';

const n = (v: number | null, unit = '') => (v === null ? '-' : `${v}${unit}`);
const secs = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}s`);

export function reportCommand(program: Command): void {
  const report = program.command('report').description('tables of servers, streams and consumers from every server\'s monitor endpoint (-o json for the rows)');
  monitorOptions(report.command('servers').description('per server: version, meta leader, JetStream assets, storage, API requests and errors, fsync policy'))
    .action(action(async (flags: MonitorFlags, c: Command) => {
      const o = globalOptions(c);
      const rows = serverRows(await takeSnapshot(o, flags, c, false));
      emit(o, { servers: rows }, () => table(
        ['SERVER', 'CLUSTER', 'UP', 'VERSION', 'META', 'STREAMS', 'CONSUMERS', 'CONNS', 'ROUTES', 'STORAGE', 'STORAGE%', 'API', 'API ERR', 'FSYNC'],
        rows.map((r) => [r.server, r.cluster, r.up ? 'yes' : 'NO', r.version, r.metaLeader ? '*' : '', String(r.streams), String(r.consumers), String(r.connections),
          String(r.routes), String(r.storageUsed), n(r.storagePercent, '%'), String(r.apiRequests), String(r.apiErrors), r.syncAlways ? 'always' : 'interval'])));
      return rows.some((r) => !r.up) ? 1 : 0;
    }));
  monitorOptions(report.command('streams').description('per stream: storage, placement, consumers, messages, bytes, lost, deleted, API level, replicas with lag, % of its own limits'))
    .action(action(async (flags: MonitorFlags, c: Command) => {
      const o = globalOptions(c);
      const rows = streamRows(await takeSnapshot(o, flags, c, false));
      emit(o, { streams: rows }, () => table(
        ['STREAM', 'ACCOUNT', 'STORAGE', 'PLACEMENT', 'CONSUMERS', 'MESSAGES', 'BYTES', 'LOST', 'DELETED', 'API', 'REPLICAS', 'BYTES%', 'MSGS%'],
        rows.map((r) => [r.stream, r.account, r.storage, r.placement, String(r.consumers), String(r.messages), String(r.bytes), String(r.lost), String(r.deleted),
          r.apiLevel, r.replicas, n(r.storagePercent, '%'), n(r.messagesPercent, '%')])));
    }));
  monitorOptions(report.command('consumers [stream]').description('per consumer: mode, ack policy, ack wait, ack pending, redelivered, unprocessed, ack floor, last activity, oldest unacked age'))
    .action(action(async (stream: string | undefined, flags: MonitorFlags, c: Command) => {
      const o = globalOptions(c);
      const rows = consumerRows(await takeSnapshot(o, flags, c), stream);
      emit(o, { consumers: rows }, () => table(
        ['STREAM', 'CONSUMER', 'MODE', 'ACK', 'ACK WAIT', 'ACK PENDING', 'REDELIVERED', 'UNPROCESSED', 'ACK FLOOR', 'LAST ACTIVE', 'OLDEST UNACKED', 'LEADER'],
        rows.map((r) => [r.stream, r.consumer, r.mode, r.ackPolicy, secs(r.ackWaitS), String(r.ackPending), String(r.redelivered), String(r.unprocessed),
          String(r.ackFloor), secs(r.lastActivityS), secs(r.oldestUnackedS), r.leader])));
    }));
}
