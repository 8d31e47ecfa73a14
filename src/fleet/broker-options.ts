import type { Logger } from 'pino';
import { busClientOptions } from '../bus/bus-options.js';
import type { BusClientOptions } from '../bus/client.js';
import type { TlsOptions } from '../bus/tls-options.js';
import type { DevicesConfig } from '../config/schema.js';

/** How a fleet's connections reach the broker: the same for a home's own connection and a gateway's. */
export interface FleetBrokerOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?: TlsOptions | undefined;
  keepaliveS: number;
  /** Reports each home keeps while the broker is away (each home's own queue). */
  queueSize: number;
}

/** The broker part of a larger options object, for handing on to a home or a gateway connection. */
export function brokerOptionsOf(o: FleetBrokerOptions): FleetBrokerOptions {
  return {
    url: o.url,
    username: o.username,
    password: o.password,
    tls: o.tls,
    keepaliveS: o.keepaliveS,
    queueSize: o.queueSize,
  };
}

export interface FleetConnection {
  clientId: string;
  /** The command filters it subscribes to (in one SUBSCRIBE): a home's own, or every home's on a gateway. */
  commandFilters: readonly string[];
  /** Spreads the connection's reconnect period (a home's index, a gateway's number). */
  spread: number;
  /** Reports the connection itself keeps while the broker is away. */
  outboxCapacity: number;
  logger: Logger;
}

/**
 * The bus client options of one fleet connection, a home's own or a gateway's: devices.json's
 * (busClientOptions) with what a fleet of thousands changes.
 */
export function fleetBusClientOptions(
  config: DevicesConfig,
  broker: FleetBrokerOptions,
  c: FleetConnection,
): BusClientOptions {
  const options = busClientOptions(config, {
    url: broker.url,
    clientId: c.clientId,
    username: broker.username,
    password: broker.password,
    keepaliveS: broker.keepaliveS,
    outboxCapacity: c.outboxCapacity,
    // The PUBACK watchdog is one interval timer per connection; it only matters when a route uses QoS 1.
    pubackTimeoutMs: Object.values(config.bus.routes).some((r) => r.qos === 1) ? config.bus.pubackTimeoutMs : 0,
    // Spread over 1–3 s, so a broker restart is not answered by every connection in the same millisecond.
    reconnectPeriodMs: 1000 + ((c.spread * 997) % 2000),
    tls: broker.tls,
    logger: c.logger,
  });
  return { ...options, subscriptions: c.commandFilters.map((filter) => ({ filter, qos: 0 })) };
}
