/**
 * A bus client over MQTT on WebSocket (ws://): mqtt.js builds the stream, the client writes its QoS 0
 * reports to it framed itself and its QoS 1 reports through mqtt.js; every report arrives, in order per
 * QoS level, and none is left in flight. The broker is aedes behind a ws server on loopback.
 */
import http from 'node:http';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { BusClient } from '../../src/bus/client.js';
import { silentLogger } from '../../src/core/logger.js';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function startWebSocketBroker(): Promise<{ url: string; published: { payload: string; qos: number }[] }> {
  const broker = await Aedes.createBroker();
  const published: { payload: string; qos: number }[] = [];
  broker.on('publish', (packet, client) => {
    if (client) published.push({ payload: packet.payload.toString(), qos: packet.qos });
  });
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket) => broker.handle(createWebSocketStream(socket) as never));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
    await new Promise((r) => server.close(r));
    await new Promise<void>((r) => broker.close(() => r()));
  });
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, published };
}

describe('BusClient over WebSocket', () => {
  it('delivers QoS 0 and QoS 1 reports, in order per level, and settles them all', async () => {
    const broker = await startWebSocketBroker();
    const bus = new BusClient({
      url: broker.url,
      clientId: `ws-${process.pid}`,
      keepaliveS: 30,
      subscriptions: [],
      outboxCapacity: 1000,
      logger: silentLogger(),
    });
    closers.push(() => bus.stop(200));
    await bus.start();
    for (let n = 1; n <= 100; n++) {
      bus.publish({
        route: 'sensor',
        topic: 'webos/report/smarthome/info',
        payload: `{"n":${n}}`,
        qos: n % 2 === 0 ? 0 : 1,
        retain: false,
      });
    }
    const end = Date.now() + 10_000;
    while ((broker.published.length < 100 || bus.outbox.inflight > 0) && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const numbers = (qos: number) =>
      broker.published.filter((p) => p.qos === qos).map((p) => (JSON.parse(p.payload) as { n: number }).n);
    expect(numbers(0)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 2));
    expect(numbers(1)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * i + 1));
    expect(bus.outbox.inflight).toBe(0);
  });
});
