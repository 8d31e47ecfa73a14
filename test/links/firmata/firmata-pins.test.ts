import { describe, expect, it } from 'vitest';
import type { Firmata } from 'firmata-io';
import { shippedDevicesConfig } from '../../../src/config/load.js';
import type { DevicesConfig } from '../../../src/config/schema.js';
import { isBridgeError } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { RealClock } from '../../../src/environment/clock.js';
import { createLink } from '../../../src/links/create.js';
import { checkCapabilities } from '../../../src/links/firmata/capabilities.js';
import { firmataPin, resolveFirmataPins } from '../../../src/links/firmata/firmata-pins.js';
import { hih4030Humidity, hih4030Volts } from '../../../src/links/firmata/hih4030.js';

function configWith(change: (c: DevicesConfig) => void): DevicesConfig {
  const c = shippedDevicesConfig();
  change(c);
  return c;
}

describe('Firmata pin map from devices.json', () => {
  it('resolves the shipped pins: D0–D13 as 0–13, A0–A5 as 14–19, TMP36 on channel 0, HIH-4030 on 2', () => {
    const p = resolveFirmataPins(shippedDevicesConfig());
    expect(p).toMatchObject({
      servo: 9,
      contact: 10,
      fan: 3,
      light: { red: 5, green: 6, blue: 11 },
      gasValve: 8,
      rain: 15,
      rainActiveLow: true,
      buttons: { aircon: 4, light: 7, gas: 12 },
      temperature: { controller: 'TMP36', pin: 14, channel: 0 },
      humidity: { part: 'hih4030', pin: 16, channel: 2 },
    });
    expect(
      resolveFirmataPins(configWith((c) => (c.sensors.climate.firmata.temperature.part = 'lm35'))).temperature
        .controller,
    ).toBe('LM35');
    expect([
      firmataPin('D2'),
      firmataPin('D13'),
      firmataPin('A5'),
      firmataPin('D1'),
      firmataPin('A6'),
      firmataPin('B3'),
    ]).toEqual([2, 13, 19, undefined, undefined, undefined]);
  });

  it('refuses parts it cannot drive, naming every devices.json field (CONFIG_INVALID)', () => {
    const bad = configWith((c) => {
      (c.sensors.climate.firmata.temperature as { part: string }).part = 'dht11';
      c.sensors.climate.firmata.humidity.pin = 'D5';
      c.appliances.aircon.pins.fan = 'D4';
    });
    let error: unknown;
    try {
      resolveFirmataPins(bad);
    } catch (e) {
      error = e;
    }
    expect(isBridgeError(error, 'CONFIG_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/^invalid configuration for --link firmata: devices.json\//);
    expect(message).toMatch(
      /\/sensors\/climate\/firmata\/temperature\/part: "dht11" cannot be read through StandardFirmata/,
    );
    expect(message).toMatch(/\/sensors\/climate\/firmata\/humidity\/pin: D5 is not an analog input/);
    expect(message).toMatch(/\/appliances\/aircon\/pins\/fan: D4 has no PWM on the Uno/);
    expect(message).toMatch(
      new RegExp(
        String.raw`pin D4 is already used by \/sensors\/buttons\/pins\/aircon|` +
          String.raw`\/sensors\/buttons\/pins\/aircon: pin D4 is already used`,
      ),
    );
  });

  it('createLink refuses such a devices.json for --link firmata before opening any port', async () => {
    const bad = configWith((c) => ((c.sensors.climate.firmata.humidity as { part: string }).part = 'dht22'));
    await expect(
      createLink(
        { kind: 'firmata', port: '/dev/does-not-exist' },
        { config: bad, clock: new RealClock(), logger: silentLogger() },
      ),
    ).rejects.toSatisfy(
      (e) => isBridgeError(e, 'CONFIG_INVALID') && /humidity\/part: "dht22"/.test((e as Error).message),
    );
  });
});

describe('HIH-4030', () => {
  it('is linear: 0.16 × 5 V at 0 % RH, +31 mV per % at 25 °C (temperature-corrected)', () => {
    expect(hih4030Humidity(0.16, 25)).toBe(0);
    expect(hih4030Humidity(2.5 / 5, 25)).toBe(55);
    expect(hih4030Humidity(0.99, 25)).toBe(100); // clamped
    for (const rh of [0, 20, 55, 80, 100]) {
      for (const t of [5, 25, 40]) expect(hih4030Humidity(hih4030Volts(rh, t) / 5, t)).toBe(rh);
    }
  });
});

describe('capability check', () => {
  const MODES = { INPUT: 0, OUTPUT: 1, ANALOG: 2, PWM: 3, SERVO: 4, PULLUP: 11 };
  const uno = () =>
    Array.from({ length: 20 }, (_, pin) => ({
      supportedModes: pin >= 14 ? [0, 1, 2] : [3, 5, 6, 9, 10, 11].includes(pin) ? [0, 1, 3, 4] : [0, 1, 4],
      analogChannel: pin >= 14 ? pin - 14 : 127,
    }));

  it('accepts an Uno with StandardFirmata and refuses a firmware without servo support, naming the pin', () => {
    const pins = resolveFirmataPins(shippedDevicesConfig());
    expect(() =>
      checkCapabilities({ MODES, pins: uno() } as unknown as Firmata, pins, 'StandardFirmata.ino 2.4'),
    ).not.toThrow();
    const noServo = uno().map((p) => ({ ...p, supportedModes: p.supportedModes.filter((m) => m !== 4) }));
    expect(() => checkCapabilities({ MODES, pins: noServo } as unknown as Firmata, pins, 'SomeFirmata 1.0')).toThrow(
      /SomeFirmata 1\.0.*D9 cannot be a servo output/,
    );
  });
});
