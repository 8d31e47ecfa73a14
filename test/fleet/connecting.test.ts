import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { ErrorCode, type BridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import { requireService } from '../support/brokers.js';
import { startWatchedBroker, until, type WatchedBroker } from './support.js';

/** Adaptive connecting (connect-pacer.ts) against real brokers: every home connects; refusals are counted. */
function options(url: string, extra: Partial<FleetOptions>): FleetOptions {
  return {
    homes: 300,
    workers: 0,
    prefix: `conn${process.pid}`,
    config: fleetConfig(defaultDevicesConfig(), { reportPeriodMs: 5000 }),
    url,
    keepaliveS: 60,
    queueSize: 10,
    logger: silentLogger(),
    logLevel: 'silent',
    ...extra,
  };
}

/** A TCP front that closes the first `refuse` connections at once and forwards the rest to `upstream`. */
async function refusingFront(
  upstreamPort: number,
  refuse: number,
): Promise<{ url: string; closed: () => number; close: () => Promise<void> }> {
  let seen = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    if (++seen <= refuse) return void s.destroy();
    const up = createConnection(upstreamPort, '127.0.0.1');
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => s.destroy());
    s.on('close', () => up.destroy());
    up.on('close', () => s.destroy());
    s.pipe(up).pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    closed: () => Math.min(seen, refuse),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

let fleet: Fleet | undefined;
let broker: WatchedBroker | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  await broker?.close();
  broker = undefined;
});

const mosquitto = requireService('mosquitto');
const rabbitAuth = requireService('rabbitmq-auth-mqtt');

describe('connecting a fleet adaptively', () => {
  it.skipIf(!mosquitto)('connects 300 homes to mosquitto with no refusal, counting each CONNACK', async () => {
    fleet = new Fleet(options(mosquitto!, {}));
    await fleet.start();
    await until(async () => (await fleet!.stats()).connected === 300, 'every home to connect', 30_000);
    const c = (await fleet.stats()).connect!;
    expect(c.adaptive).toBe(true);
    expect(c.connected).toBe(300);
    expect(c.refused).toBe(0);
    expect(c.inFlight).toBe(0);
  });

  it('launches a fast rate in slices, so the thread reads its sockets and ticks its timers between them', async () => {
    // 1,000 homes at 50,000/s: one pacing tick allows them all. Launched in one go, a timer would see
    // none or all of them started; in slices it sees the count grow.
    broker = await startWatchedBroker();
    fleet = new Fleet(options(broker.url, { homes: 1000, connectRate: 50_000 }));
    const seen: number[] = [];
    const poll = setInterval(() => {
      void fleet!.stats().then((s) => seen.push(s.connect!.inFlight + s.connect!.connected + s.connect!.refused));
    }, 1);
    try {
      await fleet.start();
      await until(async () => (await fleet!.stats()).connected === 1000, 'every home to connect', 30_000);
    } finally {
      clearInterval(poll);
    }
    expect(seen.some((n) => n > 0 && n < 1000)).toBe(true);
  });

  it('counts the connections a broker closes unanswered, backs off, and still connects every home', async () => {
    broker = await startWatchedBroker();
    const front = await refusingFront(Number(new URL(broker.url).port), 150);
    try {
      fleet = new Fleet(options(front.url, { homes: 300, workers: 2 }));
      let fatal: BridgeError | undefined;
      fleet.on('fatal', (e) => (fatal = e));
      await fleet.start();
      await until(async () => (await fleet!.stats()).connected === 300, 'every home to connect', 30_000);
      const s = await fleet.stats();
      expect(fatal).toBeUndefined();
      expect(s.connect!.refused).toBeGreaterThan(0);
      expect(s.connect!.refused).toBeLessThanOrEqual(front.closed());
      expect(s.connect!.backoffs).toBeGreaterThan(0);
      expect(s.connect!.connected + s.connect!.refused).toBe(300);
    } finally {
      await fleet?.stop();
      fleet = undefined;
      await front.close();
    }
  });

  it.skipIf(!rabbitAuth)('counts a refusal for bad credentials and stops the fleet with BROKER_AUTH', async () => {
    fleet = new Fleet(options(rabbitAuth!, { homes: 50, username: 'nobody', password: 'wrong' }));
    const fatal = new Promise<BridgeError>((r) => fleet!.once('fatal', r));
    await fleet.start();
    const e = await fatal;
    expect(e.code).toBe(ErrorCode.BROKER_AUTH);
    await until(async () => ((await fleet!.stats()).connect?.refused ?? 0) > 0, 'a refusal to be counted');
    expect((await fleet.stats()).connected).toBe(0);
  });
});
