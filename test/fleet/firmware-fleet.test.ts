import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet, type FleetOptions } from '../../src/fleet/fleet.js';
import type { FleetMix } from '../../src/fleet/mix.js';
import { BOOT_STATUS, mergeCommand, validateCommand } from '../../src/home/status-codec.js';
import { observe, startWatchedBroker, until, type Observer, type WatchedBroker } from './support.js';

/**
 * Fleets of real firmware: our committed sketch on emulated Unos behind the serial link, paced to real
 * time, each a home on the bus. Worker threads compile the sources first, so the waits are generous.
 */
const config = fleetConfig(parseDevicesConfig({ bus: { healthPeriodMs: 0 } }));
const WAIT_MS = 120_000;

function options(url: string, mix: FleetMix, workers: number): FleetOptions {
  return {
    homes: mix.firmware + mix.emulated,
    mix,
    workers,
    prefix: 'fw',
    config,
    url,
    keepaliveS: 60,
    queueSize: 100,
    connectRate: 50,
    logger: silentLogger(),
    logLevel: 'silent',
  };
}

type Message = Observer['messages'][number];
const from = (o: Observer, home: string, start = 0): Message[] =>
  o.messages.slice(start).filter((m) => m.payload['home'] === home);
const named = (ms: Message[], command: string): Message[] => ms.filter((m) => m.payload['command'] === command);

async function startFleet(
  mix: FleetMix,
  workers: number,
): Promise<{ broker: WatchedBroker; observer: Observer; fleet: Fleet }> {
  const broker = await startWatchedBroker();
  const observer = await observe(broker.url);
  const fleet = new Fleet(options(broker.url, mix, workers));
  await fleet.start();
  const homes = mix.firmware + mix.emulated;
  // Ready: every home connected and its link has published the boot status.
  await until(
    () => new Set(named(observer.messages, 'status').map((m) => m.payload['home'])).size === homes,
    'every home to report its boot status',
    WAIT_MS,
  );
  return { broker, observer, fleet };
}

/** Sends `command` to every home at once and waits for each home's ack (or error). */
async function commandAll(o: Observer, homes: string[], command: string): Promise<Map<string, Message>> {
  const start = o.messages.length;
  for (const h of homes) await o.client.publishAsync(`webos/smarthome/${h}/info`, command);
  const answer = (h: string): Message | undefined =>
    from(o, h, start).find((m) => m.payload['command'] === 'ack' || m.payload['command'] === 'error');
  await until(() => homes.every((h) => answer(h)), `every home to answer ${command}`, WAIT_MS);
  return new Map(homes.map((h) => [h, answer(h)!]));
}

describe('a firmware fleet of 8 homes over 2 workers', () => {
  const ids = [...Array(8).keys()].map((i) => `fw-${i}`);
  let broker: WatchedBroker;
  let observer: Observer;
  let fleet: Fleet;

  beforeAll(async () => {
    ({ broker, observer, fleet } = await startFleet({ firmware: 8, emulated: 0 }, 2));
  }, WAIT_MS + 30_000);

  afterAll(async () => {
    await fleet?.stop();
    await observer?.client.endAsync();
    await broker?.close();
  });

  it('runs a board per home, each online as a firmware home with its own client id', async () => {
    expect([...broker.clientIds].filter((id) => id.startsWith('fw-')).sort()).toEqual([...ids].sort());
    for (const h of ids) {
      expect(named(from(observer, h), 'availability')[0]?.payload).toMatchObject({ state: 'online', link: 'firmware' });
      expect(named(from(observer, h), 'status')[0]?.payload).toMatchObject({ status: '000000000', cause: 'boot' });
    }
    const boards = (await fleet.stats()).boards!;
    expect(boards.boards).toBe(8);
    expect(boards.each.map((b) => b.home).sort()).toEqual([...ids].sort());
    for (const b of boards.each) expect(b.bootMs, b.home).toBeGreaterThan(0);
  });

  it(
    'answers a command on each home with that home’s ack and status, on that home only',
    async () => {
      const first = mergeCommand(BOOT_STATUS, validateCommand('016222222'));
      const acks = await commandAll(observer, ids, '016222222');
      for (const h of ids)
        expect(acks.get(h)!.payload).toMatchObject({
          command: 'ack',
          home: h,
          request: '016222222',
          status: first,
          changed: true,
        });
      const start = observer.messages.length;
      const one = await commandAll(observer, ['fw-3'], '022152022');
      expect(one.get('fw-3')!.payload).toMatchObject({
        home: 'fw-3',
        status: mergeCommand(first, validateCommand('022152022')),
      });
      expect(named(observer.messages.slice(start), 'ack').map((m) => m.payload['home'])).toEqual(['fw-3']);
    },
    WAIT_MS,
  );

  it(
    'reports every home’s sensors from its own board, and counts the boards’ serial lines',
    async () => {
      // The sketch reads the rain sensor every 2 s and the climate first at 2 s, then every minute.
      await until(
        () => ids.every((h) => named(from(observer, h), 'sensor').some((m) => m.payload['sensor'] === 'climate')),
        'a climate reading from every home',
        WAIT_MS,
      );
      await until(
        () => ids.every((h) => named(from(observer, h), 'sensor').some((m) => m.payload['sensor'] === 'rain')),
        'a rain reading from every home',
        WAIT_MS,
      );
      const stats = await fleet.stats();
      expect(stats.errors).toBe(0);
      for (const b of stats.boards!.each) {
        expect(b.lines, b.home).toBeGreaterThan(3);
        expect(b.checksumErrors, b.home).toBe(0);
        expect(b.resets, b.home).toBe(0);
        expect(b.mhz, b.home).toBeGreaterThan(0);
      }
    },
    WAIT_MS,
  );

  it(
    'unplugs one board and resets another: the others are untouched, the faulty ones resync',
    async () => {
      const start = observer.messages.length;
      const boardsOf = async () => new Map((await fleet.stats()).boards!.each.map((b) => [b.home, b]));
      await fleet.inject(1, 'unplug');
      await until(
        () => named(from(observer, 'fw-1', start), 'error').length > 0,
        'fw-1 to report its port gone',
        WAIT_MS,
      );
      expect((await boardsOf()).get('fw-1')!.unplugged).toBe(true);
      await fleet.inject(1, 'replug');
      await fleet.inject(2, 'board-reset');
      // Both boards come back from the boot status; the link reports it (after the reopen, a resync).
      await until(
        () => named(from(observer, 'fw-1', start), 'status').some((m) => m.payload['status'] === '000000000'),
        'fw-1 to resync after the replug',
        WAIT_MS,
      );
      await until(
        () => named(from(observer, 'fw-2', start), 'status').some((m) => m.payload['status'] === '000000000'),
        'fw-2 to report its reboot',
        WAIT_MS,
      );
      const acks = await commandAll(observer, ['fw-1', 'fw-2'], '012222222');
      const afterBoot = mergeCommand(BOOT_STATUS, validateCommand('012222222'));
      expect(acks.get('fw-1')!.payload).toMatchObject({ command: 'ack', status: afterBoot });
      expect(acks.get('fw-2')!.payload).toMatchObject({ command: 'ack', status: afterBoot });
      const others = ids.filter((x) => x !== 'fw-1' && x !== 'fw-2');
      await until(
        () => others.every((h) => named(from(observer, h, start), 'sensor').length > 0),
        'the other homes to go on reporting',
        WAIT_MS,
      );
      const boards = await boardsOf();
      expect(boards.get('fw-2')!.resets).toBeGreaterThanOrEqual(1);
      expect(boards.get('fw-1')!.unplugged).toBe(false);
      // Nobody else noticed: no status change, no error, no reset; they kept reporting.
      for (const h of others) {
        const theirs = from(observer, h, start);
        expect(
          theirs.filter((m) => m.payload['command'] === 'status' || m.payload['command'] === 'error'),
          h,
        ).toEqual([]);
        expect(boards.get(h)!.resets, h).toBe(0);
        expect(named(theirs, 'sensor').length, h).toBeGreaterThan(0);
      }
      // Reaching an emulated or unknown home is a clear refusal, not a crash.
      await expect(fleet.inject(99, 'unplug')).rejects.toThrow(/not a home of this fleet/);
    },
    WAIT_MS * 2,
  );
});

describe('a mixed fleet of 4 firmware and 4 emulated homes', () => {
  let broker: WatchedBroker;
  let observer: Observer;
  let fleet: Fleet;
  const ids = [...Array(8).keys()].map((i) => `fw-${i}`);

  beforeAll(async () => {
    ({ broker, observer, fleet } = await startFleet({ firmware: 4, emulated: 4 }, 0));
  }, WAIT_MS + 30_000);

  afterAll(async () => {
    await fleet?.stop();
    await observer?.client.endAsync();
    await broker?.close();
  });

  /** What a home said, without who and when (docs/home-behaviour.md §5: identical on both kinds). */
  const transcript = (h: string, start: number): string[] =>
    from(observer, h, start)
      .filter((m) => m.payload['command'] !== 'sensor')
      .map((m) => {
        const { home: _h, time: _t, latencyMs: _l, boot: _b, ...rest } = m.payload;
        // An error names the topic the command came on, which holds the home's own address.
        return JSON.stringify(rest).replaceAll(`/${h}/`, '/<home>/');
      });

  it('tells the kinds apart only by the link of their availability', () => {
    const links = ids.map((h) => named(from(observer, h), 'availability')[0]?.payload['link']);
    expect(links.filter((l) => l === 'firmware')).toHaveLength(4);
    expect(links.filter((l) => l === 'emulated')).toHaveLength(4);
    const online = ids.map((h) => {
      const { home: _h, time: _t, link: _l, boot: _b, ...rest } = named(from(observer, h), 'availability')[0]!.payload;
      return JSON.stringify(rest);
    });
    expect(new Set(online).size).toBe(1);
    const boot = ids.map((h) =>
      transcript(h, 0)
        .filter((l) => l.includes('"status"'))
        .join('|'),
    );
    expect(new Set(boot).size).toBe(1);
  });

  it(
    'gives the same transcript on both kinds for the same commands, valid and invalid',
    async () => {
      const start = observer.messages.length;
      const scenario = [
        '016222222',
        '022152022',
        '022222212',
        '009052300',
        '200000000',
        '413177300',
        '0161550',
        '516155010',
        'x16155010',
        '009052300',
      ];
      for (const command of scenario) await commandAll(observer, ids, command);
      // Settle: status reports that follow an acknowledgement.
      await new Promise((r) => setTimeout(r, 1000));
      const reference = transcript(ids[0]!, start);
      expect(reference.filter((l) => l.includes('"command":"ack"'))).toHaveLength(7);
      expect(reference.filter((l) => l.includes('"command":"error"'))).toHaveLength(3);
      for (const h of ids.slice(1)) expect(transcript(h, start), h).toEqual(reference);
    },
    WAIT_MS,
  );

  it(
    'reports sensor readings of the same shape from both kinds',
    async () => {
      await until(
        () => ids.every((h) => named(from(observer, h), 'sensor').some((m) => m.payload['sensor'] === 'rain')),
        'a rain reading from every home',
        WAIT_MS,
      );
      const shapes = ids.map(
        (h) =>
          named(from(observer, h), 'sensor')
            .filter((m) => m.payload['sensor'] === 'rain')
            .map((m) => Object.keys(m.payload).sort().join(','))[0],
      );
      expect(new Set(shapes).size).toBe(1);
      const stats = await fleet.stats();
      expect(stats.boards!.boards).toBe(4);
    },
    WAIT_MS,
  );
});
