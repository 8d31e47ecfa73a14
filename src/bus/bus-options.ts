import type { DevicesConfig } from '../config/schema.js';
import type { BusClientOptions } from './client.js';

/**
 * The bus client options devices.json decides (keepalive, the command subscription, the outgoing
 * queue's policy, the PUBACK timeout), written once for `run` and every home of a fleet; the caller
 * adds where and who (url, client id, credentials, TLS, logger) and what it changes.
 */
export function busClientOptions(
  config: DevicesConfig,
  o: Omit<BusClientOptions, 'keepaliveS' | 'subscriptions' | 'outboxCapacity'> & {
    keepaliveS?: number | undefined;
    commandFilter?: string | undefined;
    outboxCapacity?: number | undefined;
  },
): BusClientOptions {
  const { keepaliveS, commandFilter, outboxCapacity, ...rest } = o;
  return {
    keepaliveS: keepaliveS ?? config.bus.keepaliveS,
    subscriptions: [{ filter: commandFilter ?? config.bus.commandFilter, qos: 0 }],
    outboxCapacity: outboxCapacity ?? config.bus.queue.capacity,
    outboxPolicy: { latestWins: config.bus.queue.latestWins, dropOrder: config.bus.queue.dropOrder },
    pubackTimeoutMs: config.bus.pubackTimeoutMs,
    ...rest,
  };
}
