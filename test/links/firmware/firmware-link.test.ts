import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEVICES_PATH, loadDevicesConfig, shippedDevicesConfig } from '../../../src/config/load.js';
import type { DevicesConfig } from '../../../src/config/schema.js';
import { ErrorCode, isBridgeError } from '../../../src/core/errors.js';
import { VirtualClock } from '../../../src/environment/clock.js';
import { dht11Reading } from '../../../src/environment/room.js';
import type { SensorReading, StatusReport } from '../../../src/home/types.js';
import { createLink } from '../../../src/links/create.js';
import { FirmwareLink } from '../../../src/links/firmware/firmware-link.js';
import { hasPhysicalAccess } from '../../../src/links/physical.js';
import { silentLogger } from '../../../src/core/logger.js';
import { buildProbe } from '../../board/probe.js';

let config: DevicesConfig;
beforeAll(async () => {
  config = await shippedDevicesConfig();
});

const links: FirmwareLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
});

async function started(): Promise<{ link: FirmwareLink; statuses: StatusReport[]; sensors: SensorReading[] }> {
  const link = await FirmwareLink.fromFile(undefined, { config, speed: Infinity });
  links.push(link);
  const statuses: StatusReport[] = [];
  const sensors: SensorReading[] = [];
  link.on('status', (r) => statuses.push(r));
  link.on('sensor', (r) => sensors.push(r));
  await link.start();
  return { link, statuses, sensors };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('firmware link', () => {
  it(
    'boots the committed sketch through the serial link handshake and ' + 'answers commands like a real board',
    async () => {
      const { link, statuses } = await started();
      expect(link.kind).toBe('firmware');
      expect(link.state).toBe('ready');
      expect(link.board.boots).toBe(2); // constructed, then reset by opening the port (DTR)
      expect(statuses).toEqual([expect.objectContaining({ status: '000000000', cause: 'boot' })]);
      expect(await link.apply('016155010')).toBe('016155010');
      expect(statuses.at(-1)).toMatchObject({ status: '016155010', cause: 'command' });
      // A repeated command is acknowledged without a status report.
      expect(await link.apply('016155010')).toBe('016155010');
      expect(statuses).toHaveLength(2);
      const err = await rejection(link.apply('916155010'));
      expect(isBridgeError(err, ErrorCode.STATUS_RANGE)).toBe(true);
      expect(await link.requestStatus()).toBe('016155010');
      expect(link.counters()).toMatchObject({ timeouts: 0, retries: 0 });
    },
  );

  it(
    'runs its room on board time: the first climate reading, 2 s after ' + 'boot, is the DHT11 view of the room then',
    async () => {
      const { link, sensors } = await started();
      link.physical.setConditions({ indoorTemperature: 22.34, indoorHumidity: 41.6 });
      await link.board.runUntil(() => sensors.some((s) => s.sensor === 'climate'), 3000);
      const climate = sensors.find((s) => s.sensor === 'climate')!;
      expect(climate.time).toBeGreaterThanOrEqual(2000);
      expect(climate.time).toBeLessThan(2100);
      const room = link.environment.sample(link.clock.now());
      expect(climate).toMatchObject(dht11Reading(room.indoorTemperature, room.indoorHumidity));
      expect(link.wiring.dht.answers).toBe(1);
    },
  );

  it('reads its actuators back into the room: fan duty is air-con power, servo pulses move the window', async () => {
    const { link } = await started();
    await link.apply('017000010');
    await link.board.runUntil(() => link.physical.outputs().windowAngle === 110, 2000);
    expect(link.physical.outputs()).toMatchObject({ windowAngle: 110, gasValveOpen: false });
    expect(Math.abs(link.physical.outputs().fanDuty - 175)).toBeLessThanOrEqual(1);
    // Travel: one degree per 10 ms tick, 1.1 s for the full way.
    expect(link.clock.now()).toBeGreaterThan(1100);
    await link.apply('002222202');
    await link.board.runUntil(
      () => link.physical.outputs().windowAngle === 0 && link.physical.outputs().fanDuty === 0,
      2000,
    );
    expect(link.wiring.window.contactOpen()).toBe(false);
  });

  it('refuses a corrupt or missing .hex with HEX_INVALID naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'firmware-link-'));
    try {
      const bad = join(dir, 'bad.hex');
      await writeFile(bad, ':100000000C9434000C9446000C9446000C944600FF\n:00000001FF\n');
      const corrupt = await rejection(FirmwareLink.fromFile(bad, { config }));
      expect(isBridgeError(corrupt, ErrorCode.HEX_INVALID)).toBe(true);
      expect((corrupt as Error).message).toContain(bad);
      expect((corrupt as Error).message).toContain('checksum');
      const missing = await rejection(FirmwareLink.fromFile(join(dir, 'none.hex'), { config }));
      expect(isBridgeError(missing, ErrorCode.HEX_INVALID)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails to start with LINK_TIMEOUT, naming what it heard, when the .hex does not speak the protocol', async () => {
    const link = await FirmwareLink.fromFile(await buildProbe(), { config, speed: Infinity });
    links.push(link);
    const err = await rejection(link.start());
    expect(isBridgeError(err, ErrorCode.LINK_TIMEOUT)).toBe(true);
    expect((err as Error).message).toMatch(
      /no BOOT line and no answer to PING; \d+ bytes were received but no protocol line/,
    );
    expect(link.board.running).toBe(false);
  }, 60_000);

  it('is built by createLink with board time starting at the clock’s now, and offers physical access', async () => {
    const clock = new VirtualClock(1_000_000);
    const link = await createLink({ kind: 'firmware', pacing: 'unpaced' }, { config, clock, logger: silentLogger() });
    expect(link).toBeInstanceOf(FirmwareLink);
    const fw = link as FirmwareLink;
    links.push(fw);
    expect(fw.speed).toBe(Infinity);
    expect(hasPhysicalAccess(fw)).toBe(true);
    expect(fw.clock.now()).toBe(1_000_000);
    await fw.start();
    expect(fw.clock.now()).toBeGreaterThan(1_000_000);
    expect(fw.clock.now()).toBeLessThan(1_000_100);
  });

  it('stops its board with the link', async () => {
    const { link } = await started();
    expect(link.board.running).toBe(true);
    await link.stop();
    expect(link.board.running).toBe(false);
    expect(link.state).toBe('stopped');
  });
});

describe('firmware link faults (the USB cable)', () => {
  it('noise on the line is dropped and counted, and the link keeps serving', async () => {
    const { link } = await started();
    const errors: string[] = [];
    link.on('error', (e) => errors.push(e.code));
    await link.faults.inject('serial-garbage', { bytes: 'ACK 1 0000\x01*ZZ\n' });
    await link.board.runUntil(() => errors.length > 0, 100);
    expect(errors).toEqual([ErrorCode.LINE_GARBLED]);
    expect(link.counters()['garbled']).toBe(1);
    expect(await link.apply('022222221')).toBe('000000001');
  });

  it(
    'unplugged: the port goes away (disconnected, commands refused); replugged: it reopens and reads the status ' +
      'again',
    async () => {
      const { link, statuses } = await started();
      await link.apply('016155010');
      const states: string[] = [];
      const errors: string[] = [];
      link.on('state', (s) => states.push(s));
      link.on('error', (e) => errors.push(e.code));
      await link.faults.inject('unplug');
      await link.board.runUntil(() => link.state === 'disconnected', 1000);
      expect(errors).toEqual([ErrorCode.PORT_UNAVAILABLE]);
      expect(isBridgeError(await rejection(link.apply('000000000')), ErrorCode.LINK_NOT_READY)).toBe(true);
      // The board runs on while unplugged (USB power), and so does the reopen backoff on its clock.
      await link.board.runUntil(() => link.counters()['reopenFailures']! >= 2, 10_000);
      await link.faults.inject('replug');
      await link.board.runUntil(() => link.state === 'ready', 15_000);
      // Opening the port reset the board (DTR): it is back at the boot status, reported once more.
      expect(statuses.at(-1)).toMatchObject({ status: '000000000', cause: 'boot' });
      expect(await link.apply('016155010')).toBe('016155010');
    },
  );

  it('a board reset is noticed (BOOT while ready) and its boot status reported', async () => {
    const { link, statuses } = await started();
    await link.apply('016155010');
    await link.faults.inject('board-reset');
    await link.board.runUntil(() => statuses.at(-1)?.status === '000000000', 100);
    expect(statuses.at(-1)).toMatchObject({ cause: 'boot' });
    expect(link.counters()['boardRestarts']).toBe(1);
    expect(link.state).toBe('ready');
  });
});

describe('firmware link and devices.json', () => {
  it('refuses a board whose build disagrees with devices.json, naming the field and both values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fw-build-'));
    try {
      // A copy of the shipped devices.json with the climate sensor moved to D13; the committed build has D2.
      const json = JSON.parse(await readFile(DEFAULT_DEVICES_PATH, 'utf8')) as {
        sensors: { climate: { serial: { pin: string } } };
      };
      json.sensors.climate.serial.pin = 'D13';
      const file = join(dir, 'devices.json');
      await writeFile(file, JSON.stringify(json));
      const moved = await loadDevicesConfig(file);
      const link = (await createLink(
        { kind: 'firmware', pacing: 'unpaced' },
        { config: moved, clock: new VirtualClock(0), logger: silentLogger() },
      )) as FirmwareLink;
      links.push(link);
      const err = await rejection(link.start());
      expect(isBridgeError(err, ErrorCode.BOARD_BUILD_MISMATCH)).toBe(true);
      expect((err as Error).message).toMatch(/built with sensors\.climate\.serial\.pin D2, but devices\.json says D13/);
      expect((err as Error).message.split('\n')).toHaveLength(1);
      expect(link.state).toBe('stopped');
      expect(link.board.running).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
