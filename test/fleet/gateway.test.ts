import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import { observe, sleep, startWatchedBroker, until, type Observer, type WatchedBroker } from './support.js';

const HOMES = 1000;
const CONNECTIONS = 4;

function options(url: string, extra: Partial<FleetOptions> = {}): FleetOptions {
  return {
    homes: HOMES,
    connections: CONNECTIONS,
    workers: 0,
    prefix: 'g',
    // Every home reports within 2 s, so "reports from many homes" comes quickly.
    config: fleetConfig(defaultDevicesConfig(), { reportPeriodMs: 2000 }),
    url,
    keepaliveS: 60,
    queueSize: 100,
    connectRate: 50,
    logger: silentLogger(),
    logLevel: 'silent',
    ...extra,
  };
}

describe(`gateway mode: ${HOMES} homes over ${CONNECTIONS} connections`, () => {
  let broker: WatchedBroker;
  let observer: Observer;
  let fleet: Fleet;
  const of = (command: string, from = 0): Observer['messages'] =>
    observer.messages.slice(from).filter((m) => m.payload['command'] === command);

  beforeAll(async () => {
    broker = await startWatchedBroker();
    observer = await observe(broker.url);
    fleet = new Fleet(options(broker.url));
    await fleet.start();
    await until(async () => (await fleet.stats()).connected === HOMES, 'every home to be up', 60_000);
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
    await observer?.client.endAsync();
    await broker?.close();
  });

  it('opens exactly 4 connections, each subscribed to its own block of homes', async () => {
    const gateways = [...broker.clientIds].filter((id) => id !== observer.client.options.clientId).sort();
    expect(gateways).toEqual(['g-gw-0', 'g-gw-1', 'g-gw-2', 'g-gw-3']);
    await until(() => gateways.every((g) => broker.subscriptions.get(g)?.length === 250), 'every subscription');
    expect(broker.subscriptions.get('g-gw-1')).toEqual(
      Array.from({ length: 250 }, (_, i) => `webos/smarthome/g-${250 + i}/#`),
    );
    const stats = await fleet.stats();
    expect(stats).toMatchObject({ homes: HOMES, connected: HOMES, connections: 4, connectionsUp: 4, errors: 0 });
  });

  it('reports of many homes carry their own identity; each home is online on its own, naming its gateway', async () => {
    await until(() => new Set(of('sensor').map((m) => m.payload['home'])).size === HOMES, 'a reading from every home');
    const online = of('availability').filter(
      (m) => m.payload['state'] === 'online' && m.payload['link'] === 'emulated',
    );
    expect(online).toHaveLength(HOMES);
    for (const m of online) {
      const i = Number(String(m.payload['home']).slice(2));
      expect(m.payload['gateway']).toBe(`g-gw-${Math.floor(i / 250)}`);
    }
    const gateways = of('availability').filter((m) => m.payload['link'] === 'gateway');
    expect(gateways.map((m) => m.payload['home']).sort()).toEqual(['g-gw-0', 'g-gw-1', 'g-gw-2', 'g-gw-3']);
    expect(gateways[0]!.payload).toMatchObject({ state: 'online', homes: 250 });
    expect(
      new Set(
        of('status')
          .filter((m) => m.payload['cause'] === 'boot')
          .map((m) => m.payload['home']),
      ).size,
    ).toBe(HOMES);
  });

  it('answers a command per home: its own ack and status, nothing at any other home', async () => {
    const targets = [3, 260, 511, 999];
    const from = observer.messages.length;
    for (const i of targets)
      await observer.client.publishAsync(
        `webos/smarthome/g-${i}/info`,
        JSON.stringify({ Producer: 'car', command: 'control', aircon: { enabled: true, power: 5 }, id: `c${i}` }),
      );
    await until(() => of('ack', from).length === targets.length, 'an ack from every addressed home');
    await sleep(300);
    const acks = of('ack', from);
    expect(acks.map((m) => [m.payload['home'], m.payload['id']]).sort()).toEqual(
      targets.map((i) => [`g-${i}`, `c${i}`]).sort(),
    );
    for (const a of acks) expect(a.payload).toMatchObject({ changed: true, status: '015000000' });
    const changed = of('status', from).filter((m) => m.payload['cause'] === 'command');
    expect(changed.map((m) => m.payload['home']).sort()).toEqual(targets.map((i) => `g-${i}`).sort());
    // Homes beside the addressed ones, on the same connection, are untouched.
    const slice = fleet.slice!;
    for (const i of [2, 4, 259, 261, 998]) expect(slice.homes[i]!.link.status).toBe('000000000');
    for (const i of targets) expect(slice.homes[i]!.link.status).toBe('015000000');
    const stats = await fleet.stats();
    expect(stats.messagesIn).toBe(targets.length);
    expect(stats.ackLatency.reduce((a, b) => a + b, 0)).toBe(targets.length);
  });

  it('a command outside the homes (the shared webos/smarthome/info) reaches none', async () => {
    const from = observer.messages.length;
    await observer.client.publishAsync('webos/smarthome/info', '016155010');
    await sleep(500);
    expect(of('ack', from)).toEqual([]);
    expect((await fleet.stats()).messagesIn).toBe(4);
  });

  it('a connection that vanishes leaves its will (the gateway offline); its homes count as down', async () => {
    const from = observer.messages.length;
    fleet.slice!.gateways[2]!.destroy();
    await until(
      () => of('availability', from).some((m) => m.payload['home'] === 'g-gw-2' && m.payload['state'] === 'offline'),
      'the will of g-gw-2',
    );
    const will = of('availability', from).find((m) => m.payload['home'] === 'g-gw-2')!;
    expect(will.payload).toMatchObject({ link: 'gateway', gateway: 'g-gw-2', homes: 250, state: 'offline' });
    const stats = await fleet.stats();
    expect(stats).toMatchObject({ connected: HOMES - 250, connections: 4, connectionsUp: 3 });
  });
});

describe('gateway mode over worker threads and shards', () => {
  it('--workers 2 splits the connections over the threads; --shard numbers them across the fleet', async () => {
    const broker = await startWatchedBroker();
    const fleet = new Fleet(
      options(broker.url, { homes: 40, connections: 6, workers: 2, shard: { index: 1, count: 2 } }),
    );
    try {
      await fleet.start();
      await until(async () => (await fleet.stats()).connected === 20, 'the shard’s homes to be up', 60_000);
      // Shard 1 of 2 runs connections 1, 3 and 5, and homes 1, 3, …, 39 (20 homes, 3 threads' worth of blocks).
      expect([...broker.clientIds].sort()).toEqual(['g-gw-1', 'g-gw-3', 'g-gw-5']);
      // A connection subscribes once its CONNACK is in, so the broker may not have the filters yet.
      const filters = (): string[] => [...broker.subscriptions.values()].flat().sort();
      await until(() => filters().length >= 20, 'each home’s command filter to be subscribed');
      expect(filters()).toEqual(Array.from({ length: 20 }, (_, j) => `webos/smarthome/g-${2 * j + 1}/#`).sort());
      expect(await fleet.stats()).toMatchObject({ homes: 20, connections: 3, connectionsUp: 3 });
    } finally {
      await fleet.stop();
      await broker.close();
    }
  }, 90_000);
});

describe('gateway mode: a clean stop', () => {
  it('every home says offline, then each gateway, and the fleet exits without waiting on the sockets', async () => {
    const broker = await startWatchedBroker();
    const observer = await observe(broker.url);
    const fleet = new Fleet(options(broker.url, { homes: 40, connections: 2, prefix: 's' }));
    try {
      await fleet.start();
      await until(async () => (await fleet.stats()).connected === 40, 'every home to be up', 60_000);
      const from = observer.messages.length;
      await fleet.stop();
      const offline = (): Observer['messages'] =>
        observer.messages
          .slice(from)
          .filter((m) => m.payload['command'] === 'availability' && m.payload['state'] === 'offline');
      await until(() => offline().length === 42, 'every offline message');
      const homes = offline().filter((m) => m.payload['link'] === 'emulated');
      expect(homes.map((m) => m.payload['home']).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `s-${i}`).sort());
      const gateways = offline().filter((m) => m.payload['link'] === 'gateway');
      expect(gateways.map((m) => m.payload['home']).sort()).toEqual(['s-gw-0', 's-gw-1']);
      // Each gateway's offline comes after its own homes' (one socket, written in order).
      const last = (pred: (m: Observer['messages'][number]) => boolean): number => offline().findLastIndex(pred);
      expect(offline().findIndex((m) => m.payload['home'] === 's-gw-0')).toBeGreaterThan(
        last((m) => m.payload['gateway'] === 's-gw-0' && m.payload['link'] === 'emulated'),
      );
    } finally {
      await observer.client.endAsync();
      await broker.close();
    }
  }, 90_000);
});
