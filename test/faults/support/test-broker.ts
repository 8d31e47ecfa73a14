import { createServer, type Socket } from 'node:net';
import { Aedes, type AuthorizePublishHandler } from 'aedes';

/**
 * An in-process aedes for bus tests that need to see or disturb the broker side: every publish it
 * accepts is recorded; `authorizePublish` can hold a publish back (no PUBACK: a half-dead connection);
 * `crash()` drops every socket and stops listening at once, as a killed broker would; a new instance
 * can then listen on the same port.
 */
export interface TestBroker {
  readonly port: number;
  readonly url: string;
  /** Publishes accepted from clients, in order. */
  readonly published: { topic: string; payload: string; qos: number; clientId: string }[];
  /** Client connections accepted so far. */
  connections: number;
  crash(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBroker(
  options: { port?: number; authorizePublish?: AuthorizePublishHandler } = {},
): Promise<TestBroker> {
  const broker = await Aedes.createBroker(
    options.authorizePublish ? { authorizePublish: options.authorizePublish } : {},
  );
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const published: TestBroker['published'] = [];
  broker.on('publish', (packet, client) => {
    if (client)
      published.push({ topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos, clientId: client.id });
  });
  const instance: TestBroker = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    published,
    connections: 0,
    async crash() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => broker.close(() => r()));
    },
    close: () => instance.crash(),
  };
  broker.on('client', () => instance.connections++);
  return instance;
}
