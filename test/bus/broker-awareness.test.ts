/**
 * The bus client against brokers that do not say what is wrong: a port that closes the socket on
 * CONNECT without a CONNACK (what RabbitMQ does to MQTT 5), RabbitMQ's AMQP port, and two clients with
 * one client id taking turns knocking each other off (embedded broker here; RabbitMQ and mosquitto in
 * test/e2e).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BusClient } from '../../src/bus/client.js';
import { startEmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { type BridgeError, ErrorCode, isBridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { freePort, requireService } from '../support/brokers.js';
import { bridgeProcess } from '../faults/support/processes.js';

const cleanups: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(url: string, clientId: string): BusClient {
  const bus = new BusClient({
    url,
    clientId,
    keepaliveS: 15,
    subscriptions: [{ filter: 'webos/smarthome/#', qos: 0 }],
    outboxCapacity: 100,
    reconnectPeriodMs: 200,
    connectTimeoutMs: 3000,
    logger: silentLogger(),
  });
  cleanups.push(() => bus.stop(200));
  return bus;
}

/** A TCP server that reads the CONNECT and hangs up: RabbitMQ's answer to MQTT 5. */
async function hangUpServer(): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((s) => {
    connections++;
    s.once('data', () => s.end());
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, connections: () => connections };
}

async function startError(bus: BusClient): Promise<BridgeError> {
  const fatal = new Promise<BridgeError>((r) => bus.once('fatal', r));
  const err = await bus.start().then(
    () => {
      throw new Error('connected');
    },
    (e: unknown) => e,
  );
  if (!isBridgeError(err)) throw err;
  expect(await fatal).toBe(err);
  return err;
}

describe('a CONNECT answered by a closed socket', () => {
  it('ends start() with BROKER_REFUSED after three attempts, naming the likely reason', async () => {
    const server = await hangUpServer();
    const err = await startError(client(server.url, 'refused-1'));
    expect(err.code).toBe(ErrorCode.BROKER_REFUSED);
    expect(err.message).toContain('closed the connection without answering CONNECT');
    expect(err.message).toContain('may not speak MQTT 3.1.1 on this port');
    expect(server.connections()).toBe(3);
    // Final: no more attempts once it has been reported.
    await new Promise((r) => setTimeout(r, 600));
    expect(server.connections()).toBe(3);
  });

  it('a refused port (nothing listening) is an outage, retried without a verdict', async () => {
    const bus = client(`mqtt://127.0.0.1:${await freePort()}`, 'unreachable-1');
    let fatal: BridgeError | undefined;
    bus.on('fatal', (e) => (fatal = e));
    void bus.start().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 1500));
    expect(fatal).toBeUndefined();
  });
});

const amqpUrl = requireService('rabbitmq-amqp');
describe.skipIf(!amqpUrl)('the AMQP port of RabbitMQ given as the MQTT broker', () => {
  it('ends start() with BROKER_REFUSED: the answer is not MQTT', async () => {
    const port = new URL(amqpUrl!).port;
    const err = await startError(client(`mqtt://127.0.0.1:${port}`, 'amqp-port-1'));
    expect(err.code).toBe(ErrorCode.BROKER_REFUSED);
    expect(err.message).toMatch(/not MQTT .*AMQP \(5672\)/);
  });

  it('the CLI given that port exits 2 within seconds, saying why', async () => {
    const port = new URL(amqpUrl!).port;
    const p = bridgeProcess([
      'run',
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--client-id',
      `amqp-port-cli-${process.pid}`,
      '--log-level',
      'error',
    ]);
    try {
      const exit = await p.exited;
      expect(exit.code).toBe(2);
      expect(p.stderr).toMatch(
        /smarthome-bridge: mqtt:\/\/127\.0\.0\.1:\d+: the broker answered CONNECT with something that is not MQTT/,
      );
    } finally {
      await p.kill();
    }
  }, 60_000);
});

describe('one client id in two running clients', () => {
  it('the one that notices first stops for good (fatal CLIENT_ID_CONFLICT ' +
    'naming the id); the other keeps the id', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    cleanups.push(() => broker.close());
    const a = client(broker.url, 'same-id');
    const b = client(broker.url, 'same-id');
    const fatal = (bus: BusClient) =>
      new Promise<[BusClient, BridgeError]>((r) => bus.once('fatal', (e) => r([bus, e])));
    await a.start();
    await b.start();
    const [loser, e] = await Promise.race([fatal(a), fatal(b)]);
    expect(e.code).toBe(ErrorCode.CLIENT_ID_CONFLICT);
    expect(e.message).toContain('"same-id"');
    expect(e.message).toContain('--client-id same-id-2');
    const winner = loser === a ? b : a;
    // No more takeovers: the winner reconnects once and then keeps its connection.
    await new Promise((r) => setTimeout(r, 2500));
    expect(loser.connected).toBe(false);
    expect(winner.connected).toBe(true);
    const reconnects = winner.counters.reconnects;
    await new Promise((r) => setTimeout(r, 1500));
    expect(winner.counters.reconnects).toBe(reconnects);
    expect(winner.connected).toBe(true);
  }, 30_000);

  it('two clients with their own ids never report a conflict', async () => {
    const broker = await startEmbeddedBroker({ port: 0 });
    cleanups.push(() => broker.close());
    const a = client(broker.url, 'own-id-a');
    const b = client(broker.url, 'own-id-b');
    const seen: BridgeError[] = [];
    a.on('fatal', (e) => seen.push(e));
    b.on('fatal', (e) => seen.push(e));
    await a.start();
    await b.start();
    await new Promise((r) => setTimeout(r, 1500));
    expect(seen).toEqual([]);
    expect(a.connected && b.connected).toBe(true);
    expect(a.counters.reconnects + b.counters.reconnects).toBe(0);
  });
});
