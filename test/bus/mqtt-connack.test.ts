/**
 * The CONNACK handler every mqtt.js client of the process uses (src/bus/mqtt-connack.ts) does what
 * mqtt.js's own does — the same events, errors, reconnects and topic-alias table, case by case against
 * a scripted broker — and leaves the client object in V8's fast shape, which mqtt.js's does not.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import { generate, type IConnackPacket, parser as packetParser } from 'mqtt-packet';
import { MqttClient } from 'mqtt';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { leanConnack, mqttJsConnack } from '../../src/bus/mqtt-connack.js';
import { REPO_ROOT } from '../support/brokers.js';

type Handler = typeof leanConnack;
const connackModule = createRequire(import.meta.url)('mqtt/lib/handlers/connack') as { default: Handler };
const installed = connackModule.default;
afterAll(() => {
  connackModule.default = installed;
});

/** One connection's script: the packets the broker answers a CONNECT with, then whether it hangs up. */
interface Turn {
  answer: Partial<IConnackPacket>[];
  hangUpAfterMs?: number;
}

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A broker that plays one turn per connection (the last turn again for any after) and counts them. */
async function scriptedBroker(turns: Turn[]): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    const turn = turns[Math.min(connections, turns.length - 1)]!;
    connections += 1;
    const parser = packetParser({ protocolVersion: 5 });
    parser.on('packet', (packet) => {
      if (packet.cmd !== 'connect') return;
      const protocolVersion = packet.protocolVersion;
      for (const answer of turn.answer)
        socket.write(generate({ cmd: 'connack', ...answer } as IConnackPacket, { protocolVersion }));
      if (turn.hangUpAfterMs !== undefined) setTimeout(() => socket.destroy(), turn.hangUpAfterMs);
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return { url: `mqtt://127.0.0.1:${port}`, connections: () => connections };
}

interface Outcome {
  events: string[];
  connected: boolean;
  reconnected: boolean;
  /** Whether the client held a topic-alias table (and its size) at each `connect`. */
  aliasesAtConnect: (number | null)[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one script with `handler` installed and says what a user of the client saw: after 400 ms (time
 * for a reconnect that should not happen), and on a busy machine until `expected` is seen or 3 s pass.
 */
async function outcome(
  handler: Handler,
  turns: Turn[],
  options: { protocolVersion?: 4 | 5; reconnectOnConnackError?: boolean },
  expected: Partial<Outcome>,
): Promise<Outcome> {
  connackModule.default = handler;
  const broker = await scriptedBroker(turns);
  const client = new MqttClient(() => net.connect(Number(new URL(broker.url).port), '127.0.0.1'), {
    reconnectPeriod: 60,
    connectTimeout: 2000,
    ...options,
  });
  const events: string[] = [];
  const aliasesAtConnect: (number | null)[] = [];
  const aliases = () => (client as unknown as { topicAliasSend?: { max: number } }).topicAliasSend?.max ?? null;
  client.on('connect', () => {
    events.push('connect');
    aliasesAtConnect.push(aliases());
  });
  client.on('error', (e) => events.push(`error ${e.message} (${(e as { code?: number }).code})`));
  const seen = (): Outcome => ({
    events: [...new Set(events)],
    connected: client.connected,
    reconnected: broker.connections() > 1,
    aliasesAtConnect: [...aliasesAtConnect],
  });
  const matches = (o: Outcome) =>
    Object.entries(expected).every(([k, v]) => JSON.stringify(o[k as keyof Outcome]) === JSON.stringify(v));
  const deadline = performance.now() + 3000;
  await sleep(400);
  while (!matches(seen()) && performance.now() < deadline) await sleep(20);
  const result = seen();
  client.end(true);
  return result;
}

const accepted4: Partial<IConnackPacket> = { returnCode: 0, sessionPresent: false };

describe('the CONNACK handler', () => {
  it.each<[string, Turn[], { protocolVersion?: 4 | 5; reconnectOnConnackError?: boolean }, Partial<Outcome>]>([
    ['accepted (3.1.1)', [{ answer: [accepted4] }], {}, { events: ['connect'], connected: true, reconnected: false }],
    [
      'refused, not retried',
      [{ answer: [{ returnCode: 5 }] }],
      {},
      { events: ['error Connection refused: Not authorized (5)'], connected: false, reconnected: false },
    ],
    [
      'refused, retried when asked to',
      [{ answer: [{ returnCode: 3 }] }],
      { reconnectOnConnackError: true },
      { events: ['error Connection refused: Server unavailable (3)'], connected: false, reconnected: true },
    ],
    [
      'a second CONNACK on one connection',
      [{ answer: [accepted4, accepted4] }, { answer: [accepted4] }],
      {},
      {
        events: ['connect', 'error Protocol error: duplicate CONNACK on the same network connection (130)'],
        connected: true,
        reconnected: true,
        aliasesAtConnect: [null, null],
      },
    ],
    [
      'refused (5.0)',
      [{ answer: [{ reasonCode: 135 }] }],
      { protocolVersion: 5 },
      { events: ['error Connection refused: Not authorized (135)'], connected: false, reconnected: false },
    ],
    [
      "the broker's topic-alias maximum, then a connection without one",
      [
        { answer: [{ reasonCode: 0, properties: { topicAliasMaximum: 5 } }], hangUpAfterMs: 50 },
        { answer: [{ reasonCode: 0 }] },
      ],
      { protocolVersion: 5 },
      { events: ['connect'], connected: true, reconnected: true, aliasesAtConnect: [5, null] },
    ],
  ])('%s: as mqtt.js', async (_name, turns, options, expected) => {
    const ours = await outcome(leanConnack, turns, options, expected);
    expect(ours).toMatchObject(expected);
    expect(ours).toEqual(await outcome(mqttJsConnack, turns, options, expected));
  });

  it('refuses a topic-alias maximum past 65,535 as mqtt.js does (a value no 2-byte field carries)', async () => {
    const silent = await scriptedBroker([{ answer: [] }]);
    const errors = async (handler: Handler) => {
      const client = new MqttClient(() => net.connect(Number(new URL(silent.url).port), '127.0.0.1'), {
        protocolVersion: 5,
        reconnectPeriod: 0,
      });
      const seen: string[] = [];
      client.on('error', (e) => seen.push(e.message));
      await new Promise((r) => client.stream.once('connect', r));
      handler(client as never, { cmd: 'connack', reasonCode: 0, properties: { topicAliasMaximum: 70_000 } } as never);
      const after = { seen, connected: client.connected, open: !client.stream.destroyed };
      client.end(true);
      return after;
    };
    const ours = await errors(leanConnack);
    expect(ours).toEqual({ seen: ['topicAliasMaximum from broker is out of range'], connected: false, open: false });
    expect(ours).toEqual(await errors(mqttJsConnack));
  });

  it('is what mqtt.js calls, and leaves the client fast where mqtt.js made it a dictionary (V8, own process)', () => {
    const script = `
      import net from 'node:net';
      import { createRequire } from 'node:module';
      import { clientOptions, newMqttClient } from './src/bus/client.ts';
      import { mqttJsConnack } from './src/bus/mqtt-connack.ts';
      const server = net.createServer((s) => s.once('data', () => s.write(Buffer.from([0x20, 2, 0, 0]))));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      const url = 'mqtt://127.0.0.1:' + server.address().port;
      const connected = async (id) => {
        const client = newMqttClient(url, clientOptions({ url, clientId: id, keepaliveS: 30, subscriptions: [] }));
        await new Promise((r) => client.once('connect', r));
        const fast = %HasFastProperties(client);
        client.end(true);
        return fast;
      };
      const lean = await connected('lean');
      createRequire(import.meta.url)('mqtt/lib/handlers/connack').default = mqttJsConnack;
      const mqttJs = await connected('mqtt-js');
      server.close();
      console.log(JSON.stringify({ lean, mqttJs }));
    `;
    const run = spawnSync(
      process.execPath,
      ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: 30_000 },
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ lean: true, mqttJs: false });
  });
});
