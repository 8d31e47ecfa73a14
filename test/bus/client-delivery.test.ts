/**
 * Nothing the bus client was given is lost while the broker misbehaves: reports handed to mqtt.js but
 * not yet acknowledged are sent again after a broker restart (clean session), a connection that stops
 * acknowledging is dropped and redone, reports queued while away go out in order, QoS 0 reports written
 * to a socket the broker stopped reading wait for it to drain (and go out again on the next connection if
 * it never does), and a stop during an outage returns promptly and leaves the unconfirmed reports in the
 * queue file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate, parser as packetParser, type IPublishPacket } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { BusClient } from '../../src/bus/client.js';
import { ErrorCode } from '../../src/core/errors.js';
import type { OutgoingMessage } from '../../src/bus/outbox.js';
import { OutboxStore } from '../../src/bus/outbox-store.js';
import { silentLogger } from '../../src/core/logger.js';
import { startTestBroker, type TestBroker } from '../faults/support/test-broker.js';

const brokers: TestBroker[] = [];
const clients: BusClient[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop(100)));
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const reading = (n: number, qos: 0 | 1 = 1): OutgoingMessage => ({
  route: 'sensor',
  topic: 'webos/report/smarthome/info',
  payload: `{"n":${n}}`,
  qos,
  retain: false,
});

function client(url: string, extra: Partial<ConstructorParameters<typeof BusClient>[0]> = {}): BusClient {
  const c = new BusClient({
    url,
    clientId: `delivery-${process.pid}-${clients.length}`,
    keepaliveS: 30,
    subscriptions: [],
    outboxCapacity: 1000,
    reconnectPeriodMs: 100,
    pubackTimeoutMs: 0,
    logger: silentLogger(),
    ...extra,
  });
  clients.push(c);
  return c;
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const payloadsOf = (b: TestBroker): string[] =>
  b.published.filter((p) => p.topic === 'webos/report/smarthome/info').map((p) => p.payload);

describe('BusClient delivery under broker faults', () => {
  it(
    'sends a QoS 1 report again after a broker restart when the first broker never acknowledged it (clean ' +
      'session)',
    async () => {
      let held = 0;
      // The first broker takes the PUBLISH and never answers: no PUBACK, no delivery.
      const first = await startTestBroker({ authorizePublish: () => void held++ });
      brokers.push(first);
      const bus = client(first.url);
      await bus.start();
      bus.publish(reading(1));
      await until('the first broker to hold the publish', () => held === 1);
      expect(bus.outbox.inflight).toBe(1);

      await first.crash();
      await until('the client to notice', () => !bus.connected);
      bus.publish(reading(2));
      const second = await startTestBroker({ port: first.port });
      brokers.push(second);
      await until('both reports at the restarted broker', () => payloadsOf(second).length >= 2);
      await until('the client to settle them', () => bus.outbox.inflight === 0);
      expect(payloadsOf(second)).toEqual(['{"n":1}', '{"n":2}']);
      expect(bus.counters.reconnects).toBe(1);
    },
  );

  it('drops a connection that stops acknowledging QoS 1 publishes, reconnects, and delivers them once', async () => {
    let firstConnection: unknown;
    const broker = await startTestBroker({
      authorizePublish: (c, _packet, done) => {
        firstConnection ??= c;
        // The first connection goes half-dead (RabbitMQ after a channel error): nothing is acknowledged.
        if (c !== firstConnection) done(null);
      },
    });
    brokers.push(broker);
    const bus = client(broker.url, { pubackTimeoutMs: 300 });
    await bus.start();
    for (let n = 1; n <= 3; n++) bus.publish(reading(n));
    await until('delivery after the forced reconnect', () => payloadsOf(broker).length >= 3);
    await until('acknowledgements', () => bus.outbox.inflight === 0);
    expect(payloadsOf(broker)).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    expect(bus.puback.timeouts).toBe(1);
    expect(bus.counters.reconnects).toBe(1);
    expect(broker.connections).toBe(2);
  });

  it('keeps reconnecting while the broker keeps not acknowledging, and delivers once it does', async () => {
    const seen = new Set<unknown>();
    const broker = await startTestBroker({
      authorizePublish: (c, _packet, done) => {
        seen.add(c);
        // Half-dead for the first three connections: the resend after each reconnect is not acknowledged either.
        if (seen.size > 3) done(null);
      },
    });
    brokers.push(broker);
    const bus = client(broker.url, { pubackTimeoutMs: 300 });
    await bus.start();
    bus.publish(reading(1));
    await until('delivery on the fourth connection', () => payloadsOf(broker).length >= 1, 15_000);
    await until('the acknowledgement', () => bus.outbox.inflight === 0);
    expect(payloadsOf(broker)).toEqual(['{"n":1}']);
    expect(bus.puback.timeouts).toBe(3);
    expect(broker.connections).toBe(4);
  });

  it('queues reports while the broker is away and delivers them in order (per QoS level) when it is back', async () => {
    const first = await startTestBroker();
    brokers.push(first);
    const bus = client(first.url);
    await bus.start();
    await first.crash();
    await until('the client to notice', () => !bus.connected);
    for (let n = 1; n <= 200; n++) bus.publish(reading(n, n % 2 === 0 ? 0 : 1));
    expect(bus.outbox.size).toBe(200);
    const second = await startTestBroker({ port: first.port });
    brokers.push(second);
    await until('every queued report', () => payloadsOf(second).length >= 200);
    // MQTT orders messages per QoS level; a broker may interleave the two levels differently.
    const got = payloadsOf(second).map((p) => (JSON.parse(p) as { n: number }).n);
    expect(got.filter((n) => n % 2 === 1)).toEqual(Array.from({ length: 100 }, (_, i) => 2 * i + 1));
    expect(got.filter((n) => n % 2 === 0)).toEqual(Array.from({ length: 100 }, (_, i) => 2 * i + 2));
    expect(bus.outbox.size).toBe(0);
  });

  it('stops promptly during an outage and leaves queued and unacknowledged reports in the queue file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'delivery-'));
    dirs.push(dir);
    const file = path.join(dir, 'queue.jsonl');
    let held = 0;
    const broker = await startTestBroker({ authorizePublish: () => void held++ });
    brokers.push(broker);
    const bus = client(broker.url, { queueFile: { path: file, fsyncIntervalMs: 1000 } });
    await bus.start();
    bus.publish(reading(1));
    await until('the broker to hold the publish', () => held === 1);
    await broker.crash();
    await until('the client to notice', () => !bus.connected);
    bus.publish(reading(2));
    const t0 = Date.now();
    await bus.stop(500);
    expect(Date.now() - t0).toBeLessThan(2000);
    const store = OutboxStore.open(file, { fsyncIntervalMs: 1000 });
    expect(store.restored.map((m) => m.payload)).toEqual(['{"n":1}', '{"n":2}']);
    store.close();
  });

  it('gives up a goodbye the broker stops reading after its timeout, and stops promptly', async () => {
    // Accepts the connection, answers CONNACK and SUBACK, then reads nothing more: the socket fills and a
    // publish's write never completes.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.once('data', () => {
        s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        s.pause();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const bus = client(`mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
      await bus.start();
      const big: OutgoingMessage = { ...reading(0, 0), payload: 'x'.repeat(32 * 2 ** 20) };
      const t0 = Date.now();
      await expect(bus.publishNow(big, 300)).rejects.toMatchObject({ code: ErrorCode.BROKER_TIMEOUT });
      expect(Date.now() - t0).toBeLessThan(5000);
      await bus.stop(200);
      expect(bus.connected).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

/**
 * A broker that answers CONNECT with CONNACK and records every PUBLISH; while `stalled`, it stops reading
 * a connection right after its CONNACK, so what the client writes fills the socket.
 */
async function startStallingBroker(): Promise<{
  url: string;
  stalled: boolean;
  payloads: string[];
  resume(): void;
  dropAll(): void;
  close(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  const state = {
    url: '',
    stalled: true,
    payloads: [] as string[],
    resume: () => {
      for (const s of sockets) s.resume();
    },
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: async () => {
      state.dropAll();
      await new Promise((r) => server.close(r));
    },
  };
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    const parser = packetParser({ protocolVersion: 4 });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connect') {
        s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
        if (state.stalled) s.pause();
      } else if (packet.cmd === 'publish') state.payloads.push((packet as IPublishPacket).payload.toString());
      else if (packet.cmd === 'pingreq') s.write(generate({ cmd: 'pingresp' }));
    });
    s.on('data', (d) => parser.parse(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return state;
}

describe('BusClient QoS 0 reports and a full socket', () => {
  // 40 reports of 256 KB: far more than a loopback socket's buffers hold while nobody reads.
  const big = (n: number): OutgoingMessage => ({
    ...reading(n, 0),
    payload: `{"n":${n},"pad":"${'x'.repeat(2 ** 18)}"}`,
  });
  const numbers = (payloads: string[]): number[] => payloads.map((p) => (JSON.parse(p) as { n: number }).n);
  /** A connected client that has written its 40 reports into a socket the broker does not read. */
  async function fillTheSocket(url: string): Promise<BusClient> {
    const bus = client(url);
    await bus.start();
    for (let n = 1; n <= 40; n++) bus.publish(big(n));
    await new Promise((r) => setTimeout(r, 200));
    expect(bus.outbox.inflight).toBeGreaterThan(0);
    return bus;
  }

  it('are in flight while the socket is full and settled, in order, once it drains', async () => {
    const broker = await startStallingBroker();
    try {
      const bus = await fillTheSocket(broker.url);
      broker.resume();
      await until('every report at the broker', () => broker.payloads.length >= 40);
      await until('the client to settle them', () => bus.outbox.inflight === 0);
      expect(numbers(broker.payloads)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    } finally {
      await broker.close();
    }
  });

  it('one MQTT cannot carry (a topic over 65,535 bytes) is dropped, and the next goes out', async () => {
    const broker = await startTestBroker();
    brokers.push(broker);
    const bus = client(broker.url);
    await bus.start();
    bus.publish({ ...reading(1, 0), topic: `webos/${'t'.repeat(70_000)}` });
    bus.publish(reading(2, 0));
    await until('the next report at the broker', () => payloadsOf(broker).length === 1);
    expect(payloadsOf(broker)).toEqual(['{"n":2}']);
    expect(bus.outbox.inflight).toBe(0);
    expect(bus.outbox.drops()).toEqual({ sensor: 1 });
    expect(bus.connected).toBe(true);
  });

  it('still in the socket when the connection drops, go out again on the next connection', async () => {
    const broker = await startStallingBroker();
    try {
      const bus = await fillTheSocket(broker.url);
      const stuck = bus.outbox.inflight;
      broker.stalled = false;
      broker.dropAll();
      await until('every report at the broker', () => new Set(numbers(broker.payloads)).size === 40);
      await until('the client to settle them', () => bus.outbox.inflight === 0 && bus.outbox.size === 0);
      expect(bus.counters.reconnects).toBe(1);
      // Only the reports the dropped socket may have half sent come twice; none is missing.
      expect(broker.payloads.length).toBeLessThanOrEqual(40 + stuck);
    } finally {
      await broker.close();
    }
  });
});
