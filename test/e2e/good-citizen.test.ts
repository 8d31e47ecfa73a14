/**
 * A good citizen of the real Car2Home bus (docs/car2home-bus.md §4): the bridge with the
 * shipped devices.json on RabbitMQ with the production MQTT configuration, and the production queues
 * and bindings beside it. Each §2.3 queue is recreated here as an exclusive queue of this test with the
 * same binding keys (so the shared broker keeps nothing), plus a consumer on `#`.
 *
 * A home at rest for an hour of home time (the clock runs 600 times real time, so it takes six
 * seconds; every period of the home and the bridge — sensors, heartbeat, health — runs on that clock)
 * must publish little, and none of it may reach a queue an original component consumes as requests:
 * webos.server (the backend answers every Producer-smarthome message with an error text and a Slack
 * post), webos.car, webos.android, webos.camera, or anything under webos.smarthome.# (it would come back
 * as a command). What it publishes lands in data.log (`#.#.#` matches every key): the reason to be quiet.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { RealClock } from '../../src/environment/clock.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { requireService } from '../support/brokers.js';

const mqttUrl = requireService('rabbitmq-mqtt');
const amqpUrl = requireService('rabbitmq-amqp');

/** docs/car2home-bus.md §4: queue → binding keys on webos.topic (data.smarthome: a clone of webos.smarthome). */
const PRODUCTION_QUEUES: Record<string, string[]> = {
  'data.error': ['#.#.error', '#.#.warning'],
  'data.log': ['#.#.#'],
  'webos.android': ['webos.android.#'],
  'webos.camera': ['webos.camera.#'],
  'webos.car': ['webos.car.#'],
  'webos.server': ['webos.server.#'],
  'webos.smarthome': ['webos.smarthome.#'],
  'data.smarthome': ['webos.smarthome.#'],
  '#': ['#'],
};
const FORBIDDEN = ['webos.server', 'webos.car', 'webos.android', 'webos.camera', 'webos.smarthome', 'data.smarthome'];

const SPEED = 600;
const HOUR = 3_600_000;

interface Seen {
  routingKey: string;
  json: Record<string, unknown>;
  /** Home time of arrival. */
  at: number;
}

describe.skipIf(!mqttUrl || !amqpUrl)('a home at rest on RabbitMQ with the production queues', () => {
  const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const home = `citizen-${tag}`;
  const clock = new RealClock(SPEED);
  const seen = new Map<string, Seen[]>(Object.keys(PRODUCTION_QUEUES).map((q) => [q, []]));
  let conn: ChannelModel;
  let ch: Channel;
  let runtime: Runtime;
  let startedAt: number;
  let endedAt = 0;

  beforeAll(async () => {
    conn = await amqp.connect(amqpUrl!);
    ch = await conn.createChannel();
    for (const [name, keys] of Object.entries(PRODUCTION_QUEUES)) {
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      for (const k of keys) await ch.bindQueue(queue, 'webos.topic', k);
      await ch.consume(
        queue,
        (msg) => {
          if (!msg) return;
          let json: unknown;
          try {
            json = JSON.parse(msg.content.toString('utf8'));
          } catch {
            return;
          }
          // Only this home's messages: the broker is shared with other tests.
          if (typeof json === 'object' && json !== null && (json as Record<string, unknown>)['home'] === home) {
            seen
              .get(name)!
              .push({ routingKey: msg.fields.routingKey, json: json as Record<string, unknown>, at: clock.now() });
          }
        },
        { noAck: true },
      );
    }
    // The shipped devices.json, as production runs it; only the home id and client id are this test's.
    const config = await loadDevicesConfig();
    config.device.id = home;
    runtime = await startRuntime({
      config,
      link: { kind: 'emulated' },
      clock,
      logger: silentLogger(),
      brokerUrl: mqttUrl!,
      clientId: home,
    });
    await new Promise((r) => setTimeout(r, HOUR / SPEED));
    endedAt = clock.now();
    await runtime.stop();
    // The offline announcement of the clean stop, through the broker.
    await new Promise((r) => setTimeout(r, 500));
  }, 60_000);

  afterAll(async () => {
    await conn?.close().catch(() => undefined);
  });

  it('nothing reaches webos.server, webos.car, webos.android, webos.camera or webos.smarthome.#', () => {
    const all = seen.get('#')!;
    expect(all.length).toBeGreaterThan(0);
    for (const q of FORBIDDEN)
      expect({ queue: q, messages: seen.get(q)!.map((m) => m.routingKey) }).toEqual({ queue: q, messages: [] });
    expect(new Set(all.map((m) => m.routingKey))).toEqual(new Set(['webos.report.smarthome.info']));
  });

  it(
    'publishes at most half a message a minute at rest (sensors on change ' + 'and every 15 min, health every 15 min)',
    () => {
      const all = seen.get('#')!;
      // The boot burst (online, boot status, first readings) comes within the first minute after the
      // first message (connecting takes real time, many minutes of this fast clock).
      startedAt = all[0]!.at;
      const boot = all.filter((m) => m.at < startedAt + 60_000);
      expect(boot.map((m) => m.json['command']).sort()).toEqual(['availability', 'sensor', 'sensor', 'status']);
      // At rest: nobody commands this home. (It listens on the shared webos/smarthome/#, where another
      // test may send commands meanwhile; what those cause is not rest and is left out of the rate.)
      const commanded = (m: Seen): boolean =>
        m.json['command'] === 'ack' || m.json['command'] === 'error' || m.json['cause'] === 'command';
      const rest = all.filter((m) => m.at >= startedAt + 60_000 && m.at <= endedAt && !commanded(m));
      const minutes = (endedAt - startedAt - 60_000) / 60_000;
      const perMinute = rest.length / minutes;
      const kinds = rest.map(
        (m) => `${String(m.json['command'])}${m.json['sensor'] ? `:${String(m.json['sensor'])}` : ''}`,
      );
      console.info(
        `[at rest] ${rest.length} messages in ${minutes.toFixed(1)} min of home time = ` +
          `${perMinute.toFixed(2)}/min: ${kinds.join(', ')}`,
      );
      expect(minutes).toBeGreaterThan(50);
      expect(perMinute).toBeLessThanOrEqual(0.5);
      // Heartbeats keep every sensor and the bridge visibly alive.
      for (const kind of ['sensor:climate', 'sensor:rain', 'health'])
        expect(kinds.filter((k) => k === kind).length).toBeGreaterThanOrEqual(3);
    },
  );

  it('data.log (#.#.#, unconsumed) holds everything it published: every key matches it', () => {
    expect(seen.get('data.log')!.length).toBe(seen.get('#')!.length);
    expect(seen.get('data.error')).toEqual([]);
  });
});
