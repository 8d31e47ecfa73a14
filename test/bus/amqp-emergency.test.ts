/**
 * The emergency listener against the CI RabbitMQ: an exclusive queue on webos.fanout receives a
 * broadcast; a missing exchange, a refused login and an unreachable broker are reported (once per kind)
 * and retried without crashing; a connection cut by the network is made again with no manual step.
 */
import amqp from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { AmqpEmergencyListener, amqpUrlWithCredentials, type EmergencyMessage } from '../../src/bus/amqp-emergency.js';
import { ErrorCode, type BridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { startOutageProxy } from '../../src/harness/outage-proxy.js';
import { freePort, requireService } from '../support/brokers.js';

const amqpUrl = requireService('rabbitmq-amqp');
const authAmqpUrl = requireService('rabbitmq-auth-amqp');

const cleanups: (() => Promise<unknown> | undefined)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function listener(url: string, exchange = 'webos.fanout'): AmqpEmergencyListener {
  const l = new AmqpEmergencyListener({
    url,
    exchange,
    logger: silentLogger(),
    minBackoffMs: 100,
    maxBackoffMs: 400,
    connectTimeoutMs: 2000,
  });
  cleanups.push(() => l.stop());
  return l;
}

const once = <T>(l: AmqpEmergencyListener, event: 'emergency' | 'problem' | 'consuming') =>
  new Promise<T>((resolve) => l.once(event, ((...args: unknown[]) => resolve(args[0] as T)) as never));

/** The broadcast with this body (other tests may broadcast on the shared broker at the same time). */
const emergencyWith = (l: AmqpEmergencyListener, text: string) =>
  new Promise<EmergencyMessage>((resolve) => {
    const on = (m: EmergencyMessage): void => {
      if (m.text !== text) return;
      l.off('emergency', on);
      resolve(m);
    };
    l.on('emergency', on);
  });

async function broadcast(body: string, routingKey = ''): Promise<void> {
  const conn = await amqp.connect(amqpUrl!);
  try {
    const ch = await conn.createConfirmChannel();
    ch.publish('webos.fanout', routingKey, Buffer.from(body));
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
}

describe.skipIf(!amqpUrl)('emergency listener on RabbitMQ', () => {
  it('receives a broadcast on webos.fanout through its own exclusive queue', async () => {
    const l = listener(amqpUrl!);
    await l.start();
    expect(l.consuming).toBe(true);
    const text = '{"alert":"gas leak"}'; // as broadcast: escaped once, by the JSON report that carries it
    const got = emergencyWith(l, text);
    await broadcast('{"alert":"gas leak"}', 'any.key');
    expect(await got).toEqual({ exchange: 'webos.fanout', routingKey: 'any.key', text });
    expect(l.counters.messages).toBeGreaterThanOrEqual(1);
  });

  it('two bridges each get every broadcast (a queue each, nothing shared)', async () => {
    const a = listener(amqpUrl!);
    const b = listener(amqpUrl!);
    await Promise.all([a.start(), b.start()]);
    const both = Promise.all([emergencyWith(a, 'evacuate'), emergencyWith(b, 'evacuate')]);
    await broadcast('evacuate');
    expect((await both).map((m) => m.text)).toEqual(['evacuate', 'evacuate']);
  });

  it('a missing exchange is a clear EMERGENCY_UNAVAILABLE, reported once, retried, never declared', async () => {
    const name = `no-such-exchange-${process.pid}`;
    const l = listener(amqpUrl!, name);
    const problems: BridgeError[] = [];
    l.on('problem', (e) => problems.push(e));
    await l.start();
    expect(l.consuming).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    expect(l.counters.failures).toBeGreaterThanOrEqual(3);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.code).toBe(ErrorCode.EMERGENCY_UNAVAILABLE);
    expect(problems[0]!.message).toContain(`"${name}" does not exist`);
    expect(problems[0]!.context).toMatchObject({ reason: 'exchange-missing' });
    // The bridge did not create it.
    const conn = await amqp.connect(amqpUrl!);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    await expect(ch.checkExchange(name)).rejects.toThrow(/NOT_FOUND/);
    await conn.close();
  });

  it('an unreachable broker is reported and retried', async () => {
    const l = listener(`amqp://127.0.0.1:${await freePort()}`);
    const problem = once<BridgeError>(l, 'problem');
    await l.start();
    expect((await problem).context).toMatchObject({ reason: 'unreachable' });
    await new Promise((r) => setTimeout(r, 600));
    expect(l.counters.failures).toBeGreaterThanOrEqual(2);
  });

  it('a connection cut by the network is made again, and broadcasts arrive again', async () => {
    const proxy = await startOutageProxy(amqpUrl!);
    cleanups.push(() => proxy.close());
    // The relay URL carries no user: amqplib then logs in as guest, which the CI broker allows on loopback.
    const l = listener(proxy.url);
    await l.start();
    expect(l.consuming).toBe(true);
    const lost = once<BridgeError>(l, 'problem');
    proxy.cut();
    expect((await lost).context).toMatchObject({ reason: 'lost' });
    expect(l.consuming).toBe(false);
    const back = once<void>(l, 'consuming');
    proxy.restore();
    await back;
    const got = emergencyWith(l, 'after the cut');
    await broadcast('after the cut');
    expect((await got).text).toBe('after the cut');
  });
});

describe.skipIf(!authAmqpUrl)('emergency listener with a refused login', () => {
  it('reports access-refused and does not crash', async () => {
    const u = new URL(authAmqpUrl!);
    u.password = 'wrong-password';
    const l = listener(u.toString());
    const problem = once<BridgeError>(l, 'problem');
    await l.start();
    const e = await problem;
    expect(e.context).toMatchObject({ reason: 'access-refused' });
    expect(e.message).not.toContain('wrong-password');
  });
});

describe('AMQP credentials', () => {
  it('fills in the MQTT user and password only when the URL names no user', () => {
    expect(amqpUrlWithCredentials('amqp://rabbit.local:5672', 'device', 'p@ss word')).toBe(
      'amqp://device:p%40ss%20word@rabbit.local:5672',
    );
    expect(amqpUrlWithCredentials('amqp://other:x@rabbit.local:5672', 'device', 'secret')).toBe(
      'amqp://other:x@rabbit.local:5672',
    );
    expect(amqpUrlWithCredentials('amqp://rabbit.local:5672', undefined, 'secret')).toBe('amqp://rabbit.local:5672');
  });
});
