import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig, parseShard } from '../../src/fleet/addressing.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import { observe, sleep, startWatchedBroker, until, type Observer, type WatchedBroker } from './support.js';

const HOMES = 20;

function fleetOptions(url: string, extra: Partial<FleetOptions>): FleetOptions {
  return {
    homes: HOMES,
    workers: 0,
    prefix: 't',
    config: fleetConfig(defaultDevicesConfig(), { reportPeriodMs: 1000 }),
    url,
    keepaliveS: 60,
    queueSize: 100,
    connectRate: 200,
    logger: silentLogger(),
    logLevel: 'silent',
    ...extra,
  };
}

const ids = (indices: number[]): string[] => indices.map((i) => `t-${i}`).sort();
const all = [...Array(HOMES).keys()];

describe.each([0, 2])('a fleet of %i… homes (workers: %i)'.replace('%i…', String(HOMES)), (workers) => {
  let broker: WatchedBroker;
  let observer: Observer;
  let fleet: Fleet;

  beforeAll(async () => {
    broker = await startWatchedBroker();
    observer = await observe(broker.url);
    fleet = new Fleet(fleetOptions(broker.url, { workers }));
    await fleet.start();
    await until(async () => (await fleet.stats()).connected === HOMES, 'every home to connect');
  });

  afterAll(async () => {
    await fleet?.stop();
    await observer?.client.endAsync();
    await broker?.close();
  });

  it('connects every home with its own client id, subscribed to its own address only', async () => {
    await until(() => all.every((i) => broker.subscriptions.has(`t-${i}`)), 'every home to subscribe');
    expect([...broker.clientIds].filter((id) => id.startsWith('t-')).sort()).toEqual(ids(all));
    for (const i of all) expect(broker.subscriptions.get(`t-${i}`)).toEqual([`webos/smarthome/t-${i}/#`]);
  });

  it('puts the home id in every report, with status and availability not retained', async () => {
    await until(
      () =>
        new Set(observer.messages.filter((m) => m.payload['command'] === 'sensor').map((m) => m.payload['home']))
          .size === HOMES,
      'a sensor reading from every home',
    );
    const online = observer.messages.filter(
      (m) => m.payload['command'] === 'availability' && m.payload['state'] === 'online',
    );
    expect(online.map((m) => String(m.payload['home'])).sort()).toEqual(ids(all));
    const boot = observer.messages.filter((m) => m.payload['command'] === 'status' && m.payload['cause'] === 'boot');
    expect(boot.map((m) => String(m.payload['home'])).sort()).toEqual(ids(all));
    for (const m of observer.messages) expect(m.payload['home'], JSON.stringify(m.payload)).toMatch(/^t-\d+$/);
    // A late subscriber gets nothing retained from thousands of homes sharing the topic.
    const late = await observe(broker.url);
    await sleep(200);
    expect(
      late.messages.filter((m) => m.payload['command'] === 'status' || m.payload['command'] === 'availability'),
    ).toEqual([]);
    await late.client.endAsync();
  });

  it("spreads the homes' first sensor readings over the report period (they all connect within 0.1 s)", async () => {
    const sensor = (): Observer['messages'] => observer.messages.filter((m) => m.payload['command'] === 'sensor');
    await until(
      () => new Set(sensor().map((m) => m.payload['home'])).size === HOMES,
      'a sensor reading from every home',
    );
    const first = new Map<unknown, number>();
    for (const m of sensor())
      if (!first.has(m.payload['home'])) first.set(m.payload['home'], Date.parse(String(m.payload['time'])));
    const times = [...first.values()];
    // Lockstep homes would all report within the 0.1 s it took them to connect; spread, they cover
    // most of the 1 s period (home i at the fractional part of i·0.618 of it).
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThan(600);
  });

  it('applies a command to webos/smarthome/<home>/info in that home only, acknowledged with its id', async () => {
    const from = observer.messages.length;
    await observer.client.publishAsync(
      'webos/smarthome/t-3/info',
      JSON.stringify({ Producer: 'car', command: 'control', aircon: { enabled: true, power: 5 }, id: `w${workers}` }),
    );
    const acks = (): Observer['messages'] =>
      observer.messages.slice(from).filter((m) => m.payload['command'] === 'ack');
    await until(() => acks().length > 0, 'the acknowledgement');
    await sleep(300);
    expect(acks()).toHaveLength(1);
    expect(acks()[0]!.payload).toMatchObject({ home: 't-3', id: `w${workers}`, changed: true, status: '015000000' });
    const changes = observer.messages
      .slice(from)
      .filter((m) => m.payload['command'] === 'status' && m.payload['cause'] === 'command');
    expect(changes.map((m) => m.payload['home'])).toEqual(['t-3']);
    await until(
      async () => (await fleet.stats()).ackLatency.reduce((a, b) => a + b, 0) === 1,
      'the fleet to count the acknowledgement',
    );
    const stats = await fleet.stats();
    expect(stats).toMatchObject({ homes: HOMES, connected: HOMES, errors: 0 });
    expect(stats.messagesIn).toBe(1);
  });
});

describe('a shard of a fleet', () => {
  it('--shard 1/2 runs homes 1, 3, 5, … only', async () => {
    const broker = await startWatchedBroker();
    const fleet = new Fleet(fleetOptions(broker.url, { shard: parseShard('1/2') }));
    try {
      expect(fleet.indices).toEqual(all.filter((i) => i % 2 === 1));
      await fleet.start();
      await until(async () => (await fleet.stats()).connected === HOMES / 2, 'the shard to connect');
      expect([...broker.clientIds].sort()).toEqual(ids(all.filter((i) => i % 2 === 1)));
    } finally {
      await fleet.stop();
      await broker.close();
    }
  });
});
