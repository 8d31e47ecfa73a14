import net from 'node:net';
import tls from 'node:tls';

/** A broker's TCP (or TLS) endpoint, for building an mqtt.js client's socket ourselves. */
export interface SocketTarget {
  host: string;
  port: number;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
}

/** Where an mqtt:, tcp:, mqtts:, ssl: or tls: URL points; undefined for others (WebSocket) and the cases below. */
export function socketTarget(url: string, tlsOptions: SocketTarget['tls']): SocketTarget | undefined {
  const u = new URL(url);
  // Credentials or a client id in the URL, and a SOCKS proxy, are mqtt.connect's to apply.
  if (u.username || u.password || u.search || process.env['MQTTJS_SOCKS_PROXY']) return undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (u.protocol === 'mqtt:' || u.protocol === 'tcp:') return { host, port: Number(u.port || 1883) };
  if (u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:')
    return { host, port: Number(u.port || 8883), tls: tlsOptions ?? { rejectUnauthorized: true } };
  return undefined;
}

/** A connection to the target (`extra`: socket options such as a read high-water mark). */
export function openSocket(t: SocketTarget, extra: net.NetConnectOpts | object = {}): net.Socket {
  const base = { host: t.host, port: t.port, ...extra };
  return t.tls
    ? tls.connect({ ...base, ...t.tls, servername: net.isIP(t.host) ? undefined : t.host })
    : net.connect(base);
}
