import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHome } from '../../../src/harness/start-home.js';
import type { TestHome } from '../../../src/harness/test-home.js';
import { FirmataRig } from './support/rig.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from './support/standard-firmata.js';

// The whole path: MQTT command → embedded broker → bridge → Firmata link → johnny-five → StandardFirmata
// on the emulated Uno (unpaced, the home on the board's clock) → pins; and back for buttons and sensors.

let rig: FirmataRig | undefined;
let home: TestHome | undefined;
beforeAll(async () => {
  await standardFirmata();
}, FETCH_TIMEOUT_MS);
afterEach(async () => {
  await home?.close();
  await rig?.close();
  home = rig = undefined;
});

async function busHome(): Promise<{ rig: FirmataRig; home: TestHome }> {
  rig = await FirmataRig.create();
  home = await startHome({ link: rig.link, devices: rig.config });
  return { rig, home };
}

describe('Firmata link on the bus', { timeout: 120_000 }, () => {
  it('a bus command is acknowledged and moves the servo, the fan, the RGB light and the gas valve', async () => {
    const { rig, home } = await busHome();
    expect(home.link.kind).toBe('firmata');
    await home.expectMessage({ fields: { command: 'availability', state: 'online', link: 'firmata' } });
    await home.send('016155010');
    await home.expectMessage({
      topic: 'webos/report/smarthome/info',
      fields: { command: 'ack', request: '016155010', status: '016155010', changed: true },
    });
    await home.expectStatus('016155010', { within: 0 });
    await home.advance('1.2s');
    const pins = home.outputs();
    expect(pins.windowAngle).toBe(110);
    expect(rig.servo.pulseUs).toBeGreaterThan(1690);
    expect(pins.fanDuty).toBe(150);
    for (const [c, duty] of Object.entries({ r: 64, g: 34, b: 93 }) as ['r' | 'g' | 'b', number][]) {
      expect(Math.abs(pins.light[c] - duty), c).toBeLessThanOrEqual(1);
    }
    expect(pins.gasValveOpen).toBe(false);

    await home.send({ Producer: 'car', command: 'control', gasValve: 'open', id: 'g1' });
    await home.expectMessage({ fields: { command: 'ack', id: 'g1', status: '016155011' } });
    await home.advance('50ms');
    expect(home.outputs().gasValveOpen).toBe(true);
  });

  it('a held button toggles its appliance: event and status on the bus, fan pin follows', async () => {
    const { home } = await busHome();
    await home.send('019222222'); // aircon on at power 9…
    await home.send('002222222'); // …and off again: the button turns it on at the kept power 9
    await home.expectStatus('009000000');
    await home.press('aircon');
    await home.expectMessage({ fields: { command: 'event', event: 'button', button: 'aircon' } });
    await home.expectStatus('019000000');
    await home.advance('20ms');
    expect(home.outputs().fanDuty).toBe(225);
  });

  it('ADC volts arrive as climate reports (TMP36 0.75 V → 25 °C) and the rain pin as rain reports', async () => {
    const { home } = await busHome();
    await home.set({ indoorTemperature: 25, indoorHumidity: 60, raining: true });
    await home.expectMessage(
      { fields: { command: 'sensor', sensor: 'climate', temp: 25, humi: 60 } },
      { within: '2.5s' },
    );
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain', rain: 1 } }, { within: '2.5s' });
  });
});
