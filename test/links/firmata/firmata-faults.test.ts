import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../../src/core/errors.js';
import { RealClock } from '../../../src/environment/clock.js';
import type { BoardTransport } from '../../support/board-transport.js';
import { FirmataLink } from '../../../src/links/firmata/firmata-link.js';
import { serialFirmataPort } from '../../../src/links/firmata/port.js';
import { createAvrBinding } from '../../../src/board/avr-binding.js';
import { loadFirmware } from '../../../src/board/firmware-file.js';
import { shippedDevicesConfig } from '../../../src/config/load.js';
import { FirmataRig } from './support/rig.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from './support/standard-firmata.js';

let rig: FirmataRig | undefined;
let link: FirmataLink | undefined;
beforeAll(async () => {
  await standardFirmata();
}, FETCH_TIMEOUT_MS);
afterEach(async () => {
  await link?.stop();
  await rig?.close();
  rig = link = undefined;
});

/** A rig whose reconnects come quickly (board time), running the board in the background. */
async function runningRig(silenceMs = 3000): Promise<FirmataRig> {
  rig = await FirmataRig.create({ link: { reopen: { initialMs: 100, maxMs: 400 }, silenceMs } });
  await rig.start();
  await rig.link.apply('016155011'); // window open, fan 150, purple, gas open
  await rig.advance(1200);
  rig.board.start();
  return rig;
}

function expectPinsOf016155011(r: FirmataRig): void {
  const pins = r.pinOutputs();
  expect(pins.windowAngle).toBe(110);
  expect(pins.fanDuty).toBe(150);
  expect(pins.gasValveOpen).toBe(true);
  expect(Math.abs(pins.light.b - 93)).toBeLessThanOrEqual(1);
}

describe('Firmata link: a board that does not answer', { timeout: 120_000 }, () => {
  it('FIRMATA_TIMEOUT naming the likely causes when the board runs other firmware (our own sketch)', async () => {
    rig = await FirmataRig.create({ program: await loadFirmware(), link: { readyTimeoutMs: 1500 } });
    const started = rig.link.start();
    await expect(started).rejects.toSatisfy((e) => isBridgeError(e, 'FIRMATA_TIMEOUT'));
    const message = await started.catch((e: Error) => e.message);
    expect(message).toMatch(/no Firmata answer on emulated-uno within 1500 ms/);
    expect(message).toMatch(/wrong port/);
    expect(message).toMatch(/StandardFirmata not flashed/);
    expect(message).toMatch(/57600/);
    expect(rig.link.state).toBe('stopped');
    expect(rig.transport?.isOpen).toBe(false);
  });

  it(
    'FIRMATA_TIMEOUT at the wrong baud rate (115200) over a serialport ' + 'stream; 57600 on the same board works',
    async () => {
      const { path: hex } = await standardFirmata();
      const binding = createAvrBinding();
      const config = shippedDevicesConfig();
      // Real time here: the board answers at 57600 within about 2 s simulated (0.7–6 s of wall time, load permitting).
      const make = (baudRate: number, readyTimeoutMs: number) =>
        new FirmataLink({
          config,
          clock: new RealClock(),
          readyTimeoutMs,
          openPort: () => serialFirmataPort({ path: `avr:${hex}`, baudRate, binding }),
        });
      link = make(115_200, 3000);
      await expect(link.start()).rejects.toSatisfy((e) => isBridgeError(e, 'FIRMATA_TIMEOUT'));
      link = make(57_600, 30_000);
      await link.start();
      expect(link.firmware).toBe('StandardFirmata.ino 2.4');
      expect(await link.apply('022222221')).toBe('000000001');
    },
  );
});

describe('Firmata link: a board that goes away', { timeout: 180_000 }, () => {
  it(
    'port vanishes: reported, commands refused, reopened with backoff, ' + 'pins restored after the board resets',
    async () => {
      const r = await runningRig();
      expect(r.board.boots).toBe(2); // created, then reset when the port opened
      r.transport!.unplug();
      expect(r.link.state).toBe('disconnected');
      expect(r.recorded.error.at(-1)).toMatchObject({ code: 'LINK_CLOSED' });
      expect(r.recorded.error.at(-1)?.message).toMatch(/vanished/);
      await expect(r.link.apply('000000000')).rejects.toSatisfy((e) => isBridgeError(e, 'LINK_NOT_READY'));
      await r.until(() => r.link.state === 'ready', 10_000);
      expect(r.board.boots).toBe(3); // the reopen reset the board: every pin forgotten
      expect(r.transports).toHaveLength(2);
      expect(r.link.counters()).toMatchObject({ lostBoard: 1, reconnects: 1 });
      await r.advance(100);
      expectPinsOf016155011(r);
      expect(await r.link.apply('022222220')).toBe('016155010');
      await r.advance(50);
      expect(r.pinOutputs().gasValveOpen).toBe(false);
    },
  );

  it('board restarts by itself (reset button, brown-out): noticed from its version report, pins restored', async () => {
    const r = await runningRig();
    r.board.reset();
    // StandardFirmata reports its version after blinking it (about 2 s), before the silence watchdog (3 s).
    await r.until(() => r.recorded.error.length > 0, 3000);
    expect(r.recorded.error[0]?.message).toMatch(/restarted/);
    await r.until(() => r.link.state === 'ready', 10_000);
    await r.advance(100);
    expectPinsOf016155011(r);
    expect(r.recorded.state).toEqual(['starting', 'ready', 'disconnected', 'ready']);
    expect(r.link.status).toBe('016155011'); // the home never forgot
  });

  it('a silent board is unresponsive (LINK_TIMEOUT) and reopened', async () => {
    const r = await runningRig(500);
    // The board hangs: it stops talking but the port stays.
    const hung = r.transport!;
    hung.emit = ((original) =>
      function (this: BoardTransport, event: string | symbol, ...args: unknown[]) {
        return event === 'data' ? false : original.call(this, event, ...args);
      })(hung.emit);
    await r.until(() => r.link.state === 'unresponsive', 2000);
    expect(r.recorded.error.at(-1)).toMatchObject({ code: 'LINK_TIMEOUT' });
    await r.until(() => r.link.state === 'ready', 10_000);
    expect(r.link.counters()).toMatchObject({ silentBoard: 1, reconnects: 1 });
    await r.advance(100);
    expectPinsOf016155011(r);
  });

  it('a board that stays away is reported once, retried with backoff, and stop() ends the retries', async () => {
    const r = await runningRig();
    r.portGone = true;
    r.transport!.unplug();
    const t0 = r.clock.now();
    await r.until(() => (r.link.counters()['reopenFailures'] ?? 0) >= 4, 10_000);
    // 100 + 200 + 400 + 400 ms of backoff at least.
    expect(r.clock.now() - t0).toBeGreaterThanOrEqual(1100);
    expect(r.recorded.error.map((e) => e.code)).toEqual(['LINK_CLOSED', 'PORT_UNAVAILABLE']);
    await r.link.stop();
    const failures = r.link.counters()['reopenFailures'];
    await r.advance(1500);
    expect(r.link.counters()['reopenFailures']).toBe(failures);
    expect(r.link.state).toBe('stopped');
  });
});
