import { createServer, connect, type Server, type Socket } from 'node:net';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * A TCP relay between the bridge and its broker, so a test can take the broker away from the bridge
 * alone: `cut()` drops the bridge's connection and refuses new ones (the broker sees the bridge vanish
 * and sends its will), `restore()` lets it reconnect. The harness's own observer talks to the broker
 * directly and so sees everything, outage or not. Works for any plain-TCP broker (embedded, mosquitto,
 * RabbitMQ); loopback only.
 */
export interface OutageProxy {
  /** The URL the bridge should use (same scheme and path as the broker's, the relay's port). */
  readonly url: string;
  readonly down: boolean;
  /** Connections relayed so far (each reconnect of the bridge is one). */
  readonly connections: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Plain-TCP MQTT URLs can be relayed; TLS ones would fail the broker's host name check. */
export function canRelay(brokerUrl: string): boolean {
  return /^(mqtt|tcp):\/\//.test(brokerUrl);
}

export async function startOutageProxy(brokerUrl: string): Promise<OutageProxy> {
  const target = new URL(brokerUrl);
  const host = target.hostname;
  const port = Number(target.port || 1883);
  const pairs = new Set<[Socket, Socket]>();
  let down = false;
  let connections = 0;

  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    connections++;
    const upstream = connect(port, host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new BridgeError(ErrorCode.INTERNAL, `cannot start the broker relay for outage tests: ${e.message}`)),
    );
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const relayPort = typeof address === 'object' && address ? address.port : 0;
  const url = `${target.protocol}//127.0.0.1:${relayPort}${target.pathname === '/' ? '' : target.pathname}`;

  const dropAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };

  return {
    url,
    get down() {
      return down;
    },
    get connections() {
      return connections;
    },
    cut() {
      down = true;
      dropAll();
    },
    restore() {
      down = false;
    },
    async close() {
      down = true;
      dropAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
