import type { DevicesConfig } from '../../config/schema.js';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { ButtonName } from '../../home/types.js';

/**
 * The pins and parts the Firmata link drives, resolved from devices.json to Firmata pin numbers
 * (D0–D13 = 0–13, A0–A5 = 14–19) and johnny-five names. Everything the link cannot drive through
 * StandardFirmata is refused here, before any port is opened, with one line per problem naming the
 * devices.json field.
 */
export type TemperatureController = 'TMP36' | 'LM35';

export interface FirmataPinMap {
  servo: number;
  contact: number;
  fan: number;
  light: { red: number; green: number; blue: number };
  gasValve: number;
  rain: number;
  rainActiveLow: boolean;
  buttons: Record<ButtonName, number>;
  temperature: { controller: TemperatureController; pin: number; channel: number };
  humidity: { part: 'hih4030'; pin: number; channel: number };
}

/** johnny-five's Thermometer controller per devices.json temperature part. */
const TEMPERATURE_CONTROLLERS: Record<string, TemperatureController> = { tmp36: 'TMP36', lm35: 'LM35' };
const HUMIDITY_PARTS = new Set(['hih4030']);
/** The Uno's PWM outputs (Timer0: 5, 6; Timer1: 9, 10; Timer2: 3, 11). */
const UNO_PWM = new Set([3, 5, 6, 9, 10, 11]);
export const FIRST_ANALOG_PIN = 14;

/** Firmata pin number of `D2`…`D13` / `A0`…`A5`, or undefined for anything else. */
export function firmataPin(name: string): number | undefined {
  const m = /^(D|A)(\d{1,2})$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (m[1] === 'D') return n >= 2 && n <= 13 ? n : undefined;
  return n <= 5 ? FIRST_ANALOG_PIN + n : undefined;
}

/** Resolves the pin map, or throws CONFIG_INVALID listing every part the link cannot drive. */
export function resolveFirmataPins(config: DevicesConfig, source = 'devices.json'): FirmataPinMap {
  const problems: string[] = [];
  const used = new Map<number, string>();
  const pin = (where: string, name: string, need: 'digital' | 'pwm' | 'analog'): number => {
    const n = firmataPin(name);
    if (n === undefined) {
      problems.push(`${where}: ${JSON.stringify(name)} is not an Uno pin the Firmata link can use (D2–D13, A0–A5)`);
      return -1;
    }
    if (need === 'pwm' && !UNO_PWM.has(n))
      problems.push(`${where}: ${name} has no PWM on the Uno (D3, D5, D6, D9, D10, D11 have)`);
    if (need === 'analog' && n < FIRST_ANALOG_PIN) problems.push(`${where}: ${name} is not an analog input (A0–A5)`);
    const other = used.get(n);
    if (other) problems.push(`${where}: pin ${name} is already used by ${other}`);
    else used.set(n, where);
    return n;
  };

  const a = config.appliances;
  const s = config.sensors;
  const f = s.climate.firmata;
  const map: FirmataPinMap = {
    servo: pin('/appliances/window/pins/servo', a.window.pins.servo, 'digital'),
    contact: pin('/appliances/window/pins/contact', a.window.pins.contact, 'digital'),
    fan: pin('/appliances/aircon/pins/fan', a.aircon.pins.fan, 'pwm'),
    light: {
      red: pin('/appliances/light/pins/red', a.light.pins.red, 'pwm'),
      green: pin('/appliances/light/pins/green', a.light.pins.green, 'pwm'),
      blue: pin('/appliances/light/pins/blue', a.light.pins.blue, 'pwm'),
    },
    gasValve: pin('/appliances/gasValve/pins/output', a.gasValve.pins.output, 'digital'),
    rain: pin('/sensors/rain/pin', s.rain.pin, 'digital'),
    rainActiveLow: s.rain.activeLow,
    buttons: {
      aircon: pin('/sensors/buttons/pins/aircon', s.buttons.pins.aircon, 'digital'),
      light: pin('/sensors/buttons/pins/light', s.buttons.pins.light, 'digital'),
      gas: pin('/sensors/buttons/pins/gas', s.buttons.pins.gas, 'digital'),
    },
    temperature: { controller: 'TMP36', pin: -1, channel: -1 },
    humidity: { part: 'hih4030', pin: -1, channel: -1 },
  };

  const controller = TEMPERATURE_CONTROLLERS[f.temperature.part];
  if (!controller) {
    problems.push(
      `/sensors/climate/firmata/temperature/part: ${JSON.stringify(f.temperature.part)} cannot be read through ` +
        'StandardFirmata (use tmp36 or lm35, analog parts johnny-five reads)',
    );
  }
  const tPin = pin('/sensors/climate/firmata/temperature/pin', f.temperature.pin, 'analog');
  map.temperature = { controller: controller ?? 'TMP36', pin: tPin, channel: tPin - FIRST_ANALOG_PIN };
  if (!HUMIDITY_PARTS.has(f.humidity.part)) {
    problems.push(
      `/sensors/climate/firmata/humidity/part: ${JSON.stringify(f.humidity.part)} cannot be read through ` +
        'StandardFirmata (use hih4030, an analog part)',
    );
  }
  const hPin = pin('/sensors/climate/firmata/humidity/pin', f.humidity.pin, 'analog');
  map.humidity = { part: 'hih4030', pin: hPin, channel: hPin - FIRST_ANALOG_PIN };

  if (problems.length > 0) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      'invalid configuration for --link firmata: ' +
        `${source}${problems.map((p, i) => (i === 0 ? p : `\n${source}${p}`)).join('')}`,
      { source, problems },
    );
  }
  return map;
}

/** Name of a Firmata pin number for messages (`D9`, `A0`). */
export function pinName(pin: number): string {
  return pin >= FIRST_ANALOG_PIN ? `A${pin - FIRST_ANALOG_PIN}` : `D${pin}`;
}
