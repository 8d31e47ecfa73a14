import type { DevicesConfig } from '../config/schema.js';
import { SeededRandom } from './random.js';

/**
 * The physical room around a home. Pure and deterministic: no clock of its own; callers pass the time
 * (ms on the home's clock, 0 = start). Indoor temperature and humidity relax exponentially towards the
 * outdoor values (faster with the window open); the air-con cools and dries in proportion to its power;
 * rain comes in seeded episodes.
 */
export type EnvironmentConfig = DevicesConfig['environment'];

export interface Actuators {
  /** Air-con power 0–9 (0 when off). */
  airconPower: number;
  windowOpen: boolean;
}

export interface Conditions {
  time: number;
  indoorTemperature: number;
  indoorHumidity: number;
  outdoorTemperature: number;
  outdoorHumidity: number;
  raining: boolean;
}

export interface Overrides {
  /** Fixed outdoor temperature instead of the daily cycle (undefined = cycle). */
  outdoorTemperature?: number | undefined;
  outdoorHumidity?: number | undefined;
  /** Forced rain (undefined = seeded episodes). */
  raining?: boolean | undefined;
}

const HOUR = 3_600_000;
/** With the window open the air-con loses most of its effect to the outside air. */
const OPEN_WINDOW_AIRCON_FACTOR = 0.3;

export class Environment {
  readonly #config: EnvironmentConfig;
  readonly #random: SeededRandom;
  #time: number;
  #indoorT: number;
  #indoorH: number;
  #actuators: Actuators = { airconPower: 0, windowOpen: false };
  #overrides: Overrides = {};
  /** Current rain episode state and when it next changes. */
  #raining: boolean;
  #rainSwitchAt: number;

  constructor(config: EnvironmentConfig, startTime = 0) {
    this.#config = config;
    this.#random = new SeededRandom(config.seed);
    this.#time = startTime;
    this.#indoorT = config.indoor.temperature;
    this.#indoorH = config.indoor.humidity;
    this.#raining = config.rain.raining;
    this.#rainSwitchAt = startTime + this.#episodeLength(this.#raining);
  }

  get time(): number {
    return this.#time;
  }

  /** Changes what the appliances do from time `t` on (the room is first advanced to `t`). */
  setActuators(t: number, actuators: Actuators): void {
    this.advanceTo(t);
    this.#actuators = { ...actuators };
  }

  /** Overrides outdoor conditions or rain from time `t` on; pass undefined to return to the model. */
  setOverrides(t: number, overrides: Overrides): void {
    this.advanceTo(t);
    this.#overrides = { ...this.#overrides, ...overrides };
  }

  /** Sets indoor values directly (a test putting the room in a known state). */
  setIndoor(t: number, values: { temperature?: number | undefined; humidity?: number | undefined }): void {
    this.advanceTo(t);
    if (values.temperature !== undefined) this.#indoorT = values.temperature;
    if (values.humidity !== undefined) this.#indoorH = clamp(values.humidity, 0, 100);
  }

  /** Conditions at time `t` (advancing the room to `t`). */
  sample(t: number): Conditions {
    this.advanceTo(t);
    return {
      time: this.#time,
      indoorTemperature: this.#indoorT,
      indoorHumidity: this.#indoorH,
      outdoorTemperature: this.#outdoorTemperature(this.#time),
      outdoorHumidity: this.#outdoorHumidity(this.#time),
      raining: this.#isRaining(),
    };
  }

  /** Integrates up to `t` in steps of at most `stepMs`; times in the past are ignored. */
  advanceTo(t: number): void {
    const step = this.#config.stepMs;
    while (this.#time < t) {
      const next = Math.min(t, this.#time + step, this.#rainSwitchAt);
      this.#integrate(next - this.#time);
      this.#time = next;
      while (this.#time >= this.#rainSwitchAt) {
        this.#raining = !this.#raining;
        this.#rainSwitchAt += this.#episodeLength(this.#raining);
      }
    }
  }

  #integrate(dtMs: number): void {
    const c = this.#config;
    const open = this.#actuators.windowOpen;
    const tau = (open ? c.indoor.openTimeConstantMin : c.indoor.closedTimeConstantMin) * 60_000;
    const k = 1 - Math.exp(-dtMs / tau);
    const mid = this.#time + dtMs / 2;
    const hours = dtMs / HOUR;
    const power = this.#actuators.airconPower;
    const airconFactor = open ? OPEN_WINDOW_AIRCON_FACTOR : 1;

    let t = this.#indoorT + (this.#outdoorTemperature(mid) - this.#indoorT) * k;
    if (power > 0 && t > c.aircon.minimumTemperature) {
      t = Math.max(c.aircon.minimumTemperature, t - c.aircon.coolingPerPowerStep * power * hours * airconFactor);
    }
    let h = this.#indoorH + (this.#outdoorHumidity(mid) - this.#indoorH) * k;
    if (power > 0) h -= c.aircon.dryingPerPowerStep * power * hours * airconFactor;
    this.#indoorT = t;
    this.#indoorH = clamp(h, 0, 100);
  }

  #hourOfDay(t: number): number {
    return (this.#config.startHour + t / HOUR) % 24;
  }
  #outdoorTemperature(t: number): number {
    if (this.#overrides.outdoorTemperature !== undefined) return this.#overrides.outdoorTemperature;
    const o = this.#config.outdoor;
    return o.temperatureMean + o.temperatureAmplitude * Math.cos((2 * Math.PI * (this.#hourOfDay(t) - 15)) / 24);
  }
  #outdoorHumidity(t: number): number {
    if (this.#overrides.outdoorHumidity !== undefined) return this.#overrides.outdoorHumidity;
    const o = this.#config.outdoor;
    if (this.#isRaining()) return o.rainHumidity;
    return clamp(
      o.humidityMean + o.humidityAmplitude * Math.cos((2 * Math.PI * (this.#hourOfDay(t) - 3)) / 24),
      0,
      100,
    );
  }
  #isRaining(): boolean {
    return this.#overrides.raining ?? this.#raining;
  }
  #episodeLength(raining: boolean): number {
    const r = this.#config.rain;
    // At least one minute, so a pathological draw cannot stall the loop.
    return Math.max(60_000, Math.round(this.#random.exponential((raining ? r.meanRainHours : r.meanDryHours) * HOUR)));
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * What a DHT11 reports for given conditions: temperature to 0.1 °C within 0–50 °C, humidity as an
 * integer within 0–100 % RH. The emulated home and the emulated DHT11 part both quantize this way.
 */
export function dht11Reading(temperature: number, humidity: number): { temperature: number; humidity: number } {
  return {
    temperature: Math.round(clamp(temperature, 0, 50) * 10) / 10,
    humidity: Math.round(clamp(humidity, 0, 100)),
  };
}
