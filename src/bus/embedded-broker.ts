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
  keepRetainedInOrder(broker);
  publishInOrderPerClient(broker);
  // Nagle off, as RabbitMQ's tcp_listen_options (nodelay): deliveries written back to back must not
  // wait for the subscriber's delayed ACK.
  const server: Server = createServer({ noDelay: true }, broker.handle);
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
        `cannot start the embedded broker: ${host}:${wanted} is already in use (another smarthome-bridge, or ` +
          'an MQTT broker?). ' +
          'Start the embedded broker on another port with --broker-port, or join that broker with --broker ' +
          `mqtt://${host}:${wanted} ` +
          `and a client id of this bridge's own, e.g. --client-id smarthome-bridge-2 (two bridges with one id ` +
          'knock each other off).',
        { host, port: wanted },
      );
    }
    throw new BridgeError(
      ErrorCode.BROKER_UNREACHABLE,
      `cannot start the embedded broker on ${host}:${wanted}: ${(e as Error).message}`,
    );
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

/**
 * aedes drops a message for a subscriber that was already sent one with a higher broker counter (its
 * `dedupe`, meant for overlapping subscriptions). Counters are given on arrival, but a retained message
 * is emitted only after it has been stored, so a non-retained message right behind it overtakes it and
 * the retained one is dropped for every live subscriber (moscajs/aedes#955, #994). The bridge publishes
 * exactly that: a retained status report, then an acknowledgement or a sensor reading in the same tick.
 * Numbering QoS 0 messages when they are emitted keeps dedupe working and loses nothing.
 */
function keepRetainedInOrder(broker: Aedes): void {
  const state = broker as unknown as {
    id: string;
    counter: number;
    mq: { emit(packet: unknown, cb?: unknown): unknown };
  };
  const emit = state.mq.emit.bind(state.mq);
  state.mq.emit = (packet: unknown, cb?: unknown) => {
    const p = packet as { qos?: number; brokerId?: string; brokerCounter?: number };
    if (p.qos === 0 && p.brokerId === state.id) p.brokerCounter = ++state.counter;
    return emit(packet, cb);
  };
}

/**
 * aedes starts each incoming publish as soon as it is parsed and a retained one first waits for its
 * store, so a client's unretained message can reach subscribers before the retained one it published
 * just before: every subscriber saw a command's acknowledgement before its status report. MQTT orders
 * one client's messages (as mosquitto and RabbitMQ deliver them), and docs/bus.md promises the report
 * first: each client's publishes run one after another here; different clients still run side by side.
 */
function publishInOrderPerClient(broker: Aedes): void {
  type Done = (err?: unknown) => void;
  const state = broker as unknown as { publish(packet: unknown, client: unknown, done?: Done): void };
  const publish = state.publish.bind(broker);
  const tails = new WeakMap<object, Promise<void>>();
  state.publish = (packet: unknown, client: unknown, done?: Done) => {
    if (typeof client !== 'object' || client === null) return publish(packet, client, done);
    const previous = tails.get(client) ?? Promise.resolve();
    const next = previous.then(
      () =>
        new Promise<void>((resolve) =>
          publish(packet, client, (err?: unknown) => {
            resolve();
            done?.(err);
          }),
        ),
    );
    tails.set(client, next);
  };
}
