/**
 * RabbitMQ's silent half-dead QoS 1 connection (docs/rabbitmq.md §1, §3): without its exchange a
 * QoS 1 PUBLISH is never acknowledged and the connection stays open. The PUBACK watchdog drops it and
 * reconnects until the broker acknowledges again; then the report is delivered, once. A private
 * RabbitMQ, because the test deletes the exchange.
 */
import { existsSync } from 'node:fs';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusClient } from '../../src/bus/client.js';
import { silentLogger } from '../../src/core/logger.js';
import { inCI, stopRabbitmq, type RabbitmqInstance } from '../support/brokers.js';
import { startPrivateRabbitmq } from './support/restartable-brokers.js';

const hasRabbitmq = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') || inCI();
let rabbit: RabbitmqInstance | undefined;

beforeAll(async () => {
  if (hasRabbitmq) rabbit = await startPrivateRabbitmq();
}, 200_000);
afterAll(async () => {
  if (rabbit) await stopRabbitmq(rabbit, { kill: true, purge: true });
}, 60_000);

describe.runIf(hasRabbitmq)('RabbitMQ half-dead QoS 1 connection', () => {
  it('the PUBACK watchdog reconnects until the broker acknowledges, and the report arrives once', async () => {
    const conn = await amqp.connect(rabbit!.amqpUrl);
    const bus = new BusClient({
      url: rabbit!.mqttUrl,
      clientId: `half-dead-${process.pid}`,
      keepaliveS: 30,
      subscriptions: [],
      outboxCapacity: 100,
      reconnectPeriodMs: 200,
      pubackTimeoutMs: 1000,
      logger: silentLogger(),
    });
    try {
      const ch = await conn.createChannel();
      await ch.deleteExchange('webos.topic');
      await bus.start();
      bus.publish({ route: 'sensor', topic: 'webos/report/smarthome/info', payload: '{"n":1}', qos: 1, retain: false });
      const until = async (what: string, cond: () => boolean, ms = 30_000): Promise<void> => {
        const end = Date.now() + ms;
        while (!cond()) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until('two forced reconnects while the exchange is missing', () => bus.puback.timeouts >= 2);
      expect(bus.outbox.inflight).toBe(1);

      // The exchange comes back (as the definitions declare it) with a queue listening on it.
      await ch.assertExchange('webos.topic', 'topic', { durable: false });
      const q = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(q.queue, 'webos.topic', 'webos.report.smarthome.#');
      const got: string[] = [];
      await ch.consume(q.queue, (m) => m && got.push(m.content.toString()), { noAck: true });
      await until('the report to arrive', () => got.length >= 1);
      await until('its acknowledgement', () => bus.outbox.inflight === 0);
      await new Promise((r) => setTimeout(r, 500));
      expect(got).toEqual(['{"n":1}']);
      expect(bus.puback.timeouts).toBeGreaterThanOrEqual(2);
    } finally {
      await bus.stop(200);
      await conn.close().catch(() => undefined);
    }
  }, 90_000);
});
