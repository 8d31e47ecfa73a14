import type { TlsOptions } from '../bus/tls-options.js';

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
