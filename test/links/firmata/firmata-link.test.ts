import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shippedDevicesConfig } from '../../../src/config/load.js';
import type { DevicesConfig } from '../../../src/config/schema.js';
import { FirmataRig } from './support/rig.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from './support/standard-firmata.js';

// StandardFirmata 2.4 on the emulated Uno, unpaced; the home runs on the board's clock, so every time
// below is simulated time.

let rig: FirmataRig | undefined;
beforeAll(async () => {
  await standardFirmata();
}, FETCH_TIMEOUT_MS);
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Measured PWM duty is within ±1 of the analogWrite value (Timer0 fast PWM is high for (v+1)/256). */
function expectDuties(
  actual: { r: number; g: number; b: number },
  expected: { r: number; g: number; b: number },
): void {
  for (const c of ['r', 'g', 'b'] as const)
    expect(Math.abs(actual[c] - expected[c]), `${c}: ${actual[c]} vs ${expected[c]}`).toBeLessThanOrEqual(1);
}

async function started(config?: DevicesConfig): Promise<FirmataRig> {
  rig = await FirmataRig.create(config ? { config } : {});
  await rig.start();
  return rig;
}

// Each test boots StandardFirmata (about 2 s simulated for its version blink): generous wall timeouts
// for a loaded two-core machine.
describe('Firmata link: outputs on the pins', { timeout: 120_000 }, () => {
  it('is ready with StandardFirmata 2.4 and boots with 000000000, all outputs off', async () => {
    const r = await started();
    expect(r.link.state).toBe('ready');
    expect(r.link.firmware).toBe('StandardFirmata.ino 2.4');
    expect(r.recorded.status).toEqual([expect.objectContaining({ status: '000000000', cause: 'boot' })]);
    expect(r.servo.pulseUs).toBeCloseTo(600, 0); // closed, 0° at johnny-five's 600 µs
    expect(r.pinOutputs()).toEqual({ windowAngle: 0, fanDuty: 0, light: { r: 0, g: 0, b: 0 }, gasValveOpen: false });
  });

  it('016155010: window travels to 110° (~1700 µs) over 1.1 s, fan duty 150, purple at brightness 5', async () => {
    const r = await started();
    expect(await r.link.apply('016155010')).toBe('016155010');
    await r.advance(550);
    const mid = r.servo.angle!;
    expect(mid).toBeGreaterThan(40);
    expect(mid).toBeLessThan(70);
    await r.advance(700);
    expect(r.servo.pulseUs).toBeGreaterThan(1690);
    expect(r.servo.pulseUs).toBeLessThan(1710);
    const pins = r.pinOutputs();
    expect(pins.windowAngle).toBe(110);
    expect(pins.fanDuty).toBe(150); // power 6 × 25
    // purple (130, 70, 190) at level 5 × 25 = 125: round(c × 125 / 255), measured within ±1
    const expected = r.link.home.outputs().light;
    expect(expected).toEqual({ r: 64, g: 34, b: 93 });
    expectDuties(pins.light, expected);
    expect(pins.gasValveOpen).toBe(false);
  });

  it('switches the gas valve pin and closes the window back to 600 µs', async () => {
    const r = await started();
    await r.link.apply('022222211');
    await r.advance(1200);
    expect(r.pinOutputs().gasValveOpen).toBe(true);
    expect(r.pinOutputs().windowAngle).toBe(110);
    await r.link.apply('022222200');
    await r.advance(1200);
    expect(r.pinOutputs().gasValveOpen).toBe(false);
    expect(r.servo.pulseUs).toBeCloseTo(600, 0);
  });

  it('runs light effects on the host: tree alternates red and blue every 500 ms on the pins', async () => {
    const r = await started();
    await r.link.apply('022191322'); // light on, brightness 9 (225), red, tree
    await r.advance(250);
    expectDuties(r.pinOutputs().light, { r: 225, g: 0, b: 0 });
    await r.advance(500);
    expectDuties(r.pinOutputs().light, { r: 0, g: 0, b: 225 }); // the next colour in the table: blue
  });
});

describe('Firmata link: inputs from the pins', { timeout: 120_000 }, () => {
  it('reports 25 °C for 0.75 V on the TMP36 (A0) and the HIH-4030 humidity from A2, first at 2 s', async () => {
    const r = await started();
    r.setClimate(25, 55);
    await r.advance(2100);
    const climate = r.recorded.sensor.filter((s) => s.sensor === 'climate');
    expect(climate).toEqual([expect.objectContaining({ sensor: 'climate', temperature: 25, humidity: 55 })]);
  });

  it('follows the ADC: 0.5 V + 10 mV/°C, so 30 °C and 40 % RH at the next reading', async () => {
    const r = await started();
    r.setClimate(30, 40);
    await r.advance(2100);
    expect(r.recorded.sensor.find((s) => s.sensor === 'climate')).toMatchObject({ temperature: 30, humidity: 40 });
  });

  it('a button held low for 1.1 s toggles its appliance (event, then status with cause button)', async () => {
    const r = await started();
    r.button('aircon', true);
    await r.advance(1100);
    r.button('aircon', false);
    await r.advance(20);
    expect(r.recorded.event).toEqual([expect.objectContaining({ event: 'button', button: 'aircon' })]);
    expect(r.recorded.status.at(-1)).toMatchObject({ status: '010000000', cause: 'button' });
  });

  it('a 0.9 s press does nothing', async () => {
    const r = await started();
    r.button('gas', true);
    await r.advance(900);
    r.button('gas', false);
    await r.advance(300);
    expect(r.recorded.event).toEqual([]);
    expect(r.link.status).toBe('000000000');
  });

  it('reports rain from A1 (active low) on its period', async () => {
    const config = shippedDevicesConfig();
    config.sensors.rain.periodMs = 300;
    const r = await started(config);
    r.setRain(true);
    await r.advance(650);
    const rain = () => r.recorded.sensor.flatMap((s) => (s.sensor === 'rain' ? [s.raining] : []));
    expect(rain()).toEqual([true, true]);
    r.setRain(false);
    await r.advance(300);
    expect(rain()).toEqual([true, true, false]);
  });

  it('follows a hand-opened window after the 2 s debounce (contact D10 high), the servo going along', async () => {
    const r = await started();
    r.pushWindow(true);
    await r.advance(1900);
    expect(r.link.status).toBe('000000000');
    await r.advance(300);
    expect(r.recorded.event).toEqual([expect.objectContaining({ event: 'window', open: true })]);
    expect(r.recorded.status.at(-1)).toMatchObject({ status: '000000010', cause: 'window' });
    // 022222202 closes it again (actuation follows the merged status).
    await r.link.apply('022222202');
    await r.advance(1200);
    expect(r.pinOutputs().windowAngle).toBe(0);
    expect(r.link.status).toBe('000000000');
  });

  it('a contact bounce (10 ms) is not a hand on the window: the servo stays, the status too', async () => {
    const r = await started();
    r.pushWindow(true);
    await r.advance(10);
    r.pushWindow(false);
    await r.advance(2500);
    expect(r.pinOutputs().windowAngle).toBe(0);
    expect(r.recorded.event).toEqual([]);
    expect(r.link.status).toBe('000000000');
  });

  it(
    'keeps the contact pull-up on while the gas valve on the same port ' + 'changes (StandardFirmata 2.4 port writes)',
    async () => {
      const r = await started();
      // D8 (gas valve), D10 (contact, reading low: window closed) and D12 (button) share port B.
      await r.link.apply('022222221');
      await r.advance(20);
      await r.link.apply('022222220');
      await r.advance(20);
      // The window opens by hand: the contact switch opens and only the pull-up makes the pin high.
      r.board.releasePin(r.pins.contact);
      await r.advance(2100);
      expect(r.link.status).toBe('000000010');
    },
  );
});

describe('Firmata link: ends cleanly', { timeout: 120_000 }, () => {
  it(
    'a process that stops the link ends by itself: no firmata-io timeout, johnny-five interval or output tick ' +
      'left',
    async () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./fixtures/start-stop.ts', import.meta.url))],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      clearTimeout(killer);
      expect(out).toMatch(/^closed /m);
      expect({ code, signal }).toEqual({ code: 0, signal: null });
    },
  );
});
