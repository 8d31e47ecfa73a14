import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * The broker started when no --broker is given: aedes in-process, so `npm start` needs nothing
 * installed. Loopback by default.
 */
export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: { host?: string; port?: number } = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? 1883;
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await new Promise<void>((r) => broker.close(() => r()));
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new BridgeError(
        ErrorCode.BROKER_PORT_BUSY,
        `cannot start the embedded broker: ${host}:${wanted} is already in use (another MQTT broker?). ` +
          `Use it with --broker mqtt://${host}:${wanted}, or pick another port with --broker-port.`,
        { host, port: wanted },
      );
    }
    throw new BridgeError(ErrorCode.BROKER_UNREACHABLE, `cannot start the embedded broker on ${host}:${wanted}: ${(e as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : wanted;
  return {
    host,
    port,
    url: `mqtt://${host}:${port}`,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
