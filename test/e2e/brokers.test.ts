/**
 * The brokers the end-to-end tests rely on: the production-like RabbitMQ (topic translation
 * between MQTT and exchange webos.topic), its anonymous-off twin, mosquitto, and the
 * per-test broker helpers of test/support/brokers.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import amqp from 'amqplib';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { spawnSync } from 'node:child_process';
import {
  parseUserPass,
  requireService,
  startMosquitto,
  startRabbitmq,
  stopRabbitmq,
  restartRabbitmq,
  inCI,
  type MosquittoInstance,
  type RabbitmqInstance,
} from '../support/brokers.js';

const rabbitMqttUrl = requireService('rabbitmq-mqtt');
const rabbitAmqpUrl = requireService('rabbitmq-amqp');
const authMqttUrl = requireService('rabbitmq-auth-mqtt');
const authUser = requireService('rabbitmq-auth-user');
const mosquittoUrl = requireService('mosquitto');

let seq = 0;
const clientId = (what: string): string => `brokers-test-${what}-${process.pid}-${++seq}`;
const unique = (): string => `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

const clients: MqttClient[] = [];
/** mqtt.js as the project uses it against RabbitMQ 3.10: MQTT 3.1.1, no silent retry loop. */
async function connect(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clientId: clientId('c'),
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...opts,
  });
  clients.push(client);
  return client;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

function nextMessage(client: MqttClient, match: (topic: string, payload: string) => boolean, timeoutMs = 5000) {
  return new Promise<{ topic: string; payload: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('message', onMessage);
      reject(new Error(`no matching MQTT message within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (topic: string, payload: Buffer): void => {
      if (!match(topic, payload.toString())) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      resolve({ topic, payload: payload.toString() });
    };
    client.on('message', onMessage);
  });
}

/** Resolves with the error a refused CONNECT produces (mqtt.js rejects connectAsync). */
async function connectError(url: string, opts: IClientOptions): Promise<Error & { code?: number }> {
  try {
    const client = await connect(url, opts);
    await client.endAsync(true);
  } catch (err) {
    return err as Error & { code?: number };
  }
  throw new Error('CONNECT was accepted');
}

describe.skipIf(!rabbitMqttUrl || !rabbitAmqpUrl)('RabbitMQ (production config) from .ci/run', () => {
  let conn: amqp.ChannelModel;

  beforeAll(async () => {
    conn = await amqp.connect(rabbitAmqpUrl!);
  });
  afterAll(async () => {
    await conn?.close();
  });

  it('has the exchanges webos.topic (topic, non-durable) and webos.fanout', async () => {
    const ch = await conn.createChannel();
    await expect(ch.checkExchange('webos.topic')).resolves.toBeDefined();
    await expect(ch.checkExchange('webos.fanout')).resolves.toBeDefined();
    // Redeclaring with the same arguments succeeds only if it is a non-durable topic exchange.
    await expect(ch.assertExchange('webos.topic', 'topic', { durable: false })).resolves.toMatchObject({
      exchange: 'webos.topic',
    });
    await ch.close();
  });

  it('delivers an MQTT publish on webos/smarthome/info to AMQP with routing key webos.smarthome.info', async () => {
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, 'webos.topic', 'webos.smarthome.#');
    const body = JSON.stringify({ probe: unique() });
    const received = new Promise<amqp.ConsumeMessage>((resolve) => {
      void ch.consume(
        queue,
        (msg) => {
          if (msg && msg.content.toString() === body) resolve(msg);
        },
        { noAck: true },
      );
    });

    const client = await connect(rabbitMqttUrl!);
    await client.publishAsync('webos/smarthome/info', body, { qos: 1 });

    const msg = await received;
    expect(msg.fields.exchange).toBe('webos.topic');
    expect(msg.fields.routingKey).toBe('webos.smarthome.info');
    await ch.close();
  });

  it(
    'delivers an AMQP publish with key webos.smarthome to an MQTT subscriber of webos/smarthome/# as topic ' +
      'webos/smarthome',
    async () => {
      const client = await connect(rabbitMqttUrl!);
      await client.subscribeAsync('webos/smarthome/#', { qos: 0 });
      const body = `amqp-${unique()}`;
      const arrived = nextMessage(client, (_t, payload) => payload === body);

      const ch = await conn.createChannel();
      ch.publish('webos.topic', 'webos.smarthome', Buffer.from(body));
      await ch.close();

      await expect(arrived).resolves.toEqual({ topic: 'webos/smarthome', payload: body });
    },
  );
});

describe.skipIf(!authMqttUrl || !authUser)('RabbitMQ with allow_anonymous false from .ci/run', () => {
  it('accepts the configured user', async () => {
    const { username, password } = parseUserPass(authUser!);
    const client = await connect(authMqttUrl!, { username, password });
    expect(client.connected).toBe(true);
  });

  it('refuses a wrong password with CONNACK 4, an mqtt.js error with code 4', async () => {
    const { username } = parseUserPass(authUser!);
    const err = await connectError(authMqttUrl!, { username, password: 'wrong-password' });
    expect(err.code).toBe(4);
    expect(err.message).toMatch(/bad user ?name or password/i);
  });

  it('refuses a client without credentials with CONNACK 4', async () => {
    const err = await connectError(authMqttUrl!, {});
    expect(err.code).toBe(4);
  });
});

describe.skipIf(!mosquittoUrl)('mosquitto from .ci/run', () => {
  it('passes a message from publisher to subscriber', async () => {
    const sub = await connect(mosquittoUrl!);
    const topic = `webos/smarthome/test/${unique()}`;
    await sub.subscribeAsync(topic, { qos: 1 });
    const arrived = nextMessage(sub, (t) => t === topic);
    const pub = await connect(mosquittoUrl!);
    await pub.publishAsync(topic, 'hello', { qos: 1 });
    await expect(arrived).resolves.toEqual({ topic, payload: 'hello' });
  });
});

const haveMosquitto = spawnSync('sh', ['-c', 'command -v mosquitto'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!haveMosquitto && !inCI())('private mosquitto per test (startMosquitto)', () => {
  let broker: MosquittoInstance | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  it('can be killed and restarted on the same port', async () => {
    broker = await startMosquitto();
    const client = await connect(broker.url);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const firstPid = broker.pid;
    await broker.kill();
    expect(broker.running).toBe(false);
    await closed;

    await broker.restart();
    expect(broker.running).toBe(true);
    expect(broker.pid).not.toBe(firstPid);
    const again = await connect(broker.url);
    await again.publishAsync('webos/smarthome/restart', 'ok', { qos: 1 });
  });

  it('supports users with anonymous access off', async () => {
    broker = await startMosquitto({ allowAnonymous: false, users: [{ username: 'dev', password: 'pw' }] });
    await expect(connect(broker.url, { username: 'dev', password: 'pw' })).resolves.toBeDefined();
    // mosquitto 2.0 answers a wrong password with CONNACK 5 (not authorised), RabbitMQ with 4.
    const err = await connectError(broker.url, { username: 'dev', password: 'nope' });
    expect(err.code).toBe(5);
  });
});

const haveRabbitmq = spawnSync('test', ['-x', '/usr/lib/rabbitmq/bin/rabbitmq-server']).status === 0;
describe.skipIf(!haveRabbitmq && !inCI())('private RabbitMQ per test (startRabbitmq)', () => {
  let broker: RabbitmqInstance | undefined;
  afterAll(async () => {
    if (broker) await stopRabbitmq(broker, { kill: true, purge: true });
  }, 30_000);

  it('starts with the production exchange and survives a SIGKILL restart', async () => {
    broker = await startRabbitmq({ fresh: true, timeoutS: 90 });
    const client = await connect(broker.mqttUrl);
    await client.publishAsync('webos/smarthome/info', 'before', { qos: 1 });
    await client.endAsync(true);

    broker = await restartRabbitmq(broker, { kill: true });
    const conn = await amqp.connect(broker.amqpUrl);
    try {
      const ch = await conn.createChannel();
      await expect(ch.checkExchange('webos.topic')).resolves.toBeDefined();
    } finally {
      await conn.close();
    }
    const again = await connect(broker.mqttUrl);
    await again.publishAsync('webos/smarthome/info', 'after', { qos: 1 });
  }, 240_000);
});
