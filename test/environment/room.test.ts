import { describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { Environment, dht11Reading, type EnvironmentConfig } from '../../src/environment/room.js';
import { EmulatedLink } from '../../src/links/emulated.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function envConfig(patch: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return { ...defaultDevicesConfig().environment, ...patch };
}

/** Samples a room every `every` ms up to `until`. */
function history(env: Environment, until: number, every: number) {
  const out = [];
  for (let t = 0; t <= until; t += every) out.push(env.sample(t));
  return out;
}

/** Start times of rain episodes, found by sampling every minute. */
function rainStarts(env: Environment, until: number): number[] {
  const starts: number[] = [];
  let was = env.sample(0).raining;
  for (let t = MIN; t <= until; t += MIN) {
    const now = env.sample(t).raining;
    if (now && !was) starts.push(t);
    was = now;
  }
  return starts;
}

describe('determinism', () => {
  it('the same seed gives the same readings over three simulated days', () => {
    const a = history(new Environment(envConfig({ seed: 42 })), 3 * DAY, 10 * MIN);
    const b = history(new Environment(envConfig({ seed: 42 })), 3 * DAY, 10 * MIN);
    expect(a).toEqual(b);
    expect(a.some((c) => c.raining)).toBe(true);
  });

  it('the same seed gives the same readings whether sampled often or seldom', () => {
    const often = new Environment(envConfig({ seed: 7 }));
    for (let t = 0; t <= DAY; t += MIN) often.sample(t);
    const seldom = new Environment(envConfig({ seed: 7 }));
    const a = often.sample(DAY);
    const b = seldom.sample(DAY);
    expect(b.raining).toBe(a.raining);
    expect(b.indoorTemperature).toBeCloseTo(a.indoorTemperature, 6);
    expect(b.indoorHumidity).toBeCloseTo(a.indoorHumidity, 6);
  });

  it('a different seed gives a different rain history', () => {
    const one = rainStarts(new Environment(envConfig({ seed: 1 })), 7 * DAY);
    const two = rainStarts(new Environment(envConfig({ seed: 2 })), 7 * DAY);
    expect(one.length).toBeGreaterThan(0);
    expect(two.length).toBeGreaterThan(0);
    expect(one).not.toEqual(two);
  });

  it('ignores times in the past', () => {
    const env = new Environment(envConfig());
    const later = env.sample(HOUR);
    const earlier = env.sample(HOUR / 2);
    expect(earlier).toEqual(later);
  });
});

describe('appliances change the room', () => {
  it(
    'the air-con on lowers the indoor temperature and humidity over simulated hours, against the same seed with ' +
      'it off',
    () => {
      const on = new Environment(envConfig({ seed: 5 }));
      const off = new Environment(envConfig({ seed: 5 }));
      on.setActuators(0, { airconPower: 6, windowOpen: false });
      const a = on.sample(3 * HOUR);
      const b = off.sample(3 * HOUR);
      expect(a.outdoorTemperature).toBe(b.outdoorTemperature);
      expect(b.indoorTemperature - a.indoorTemperature).toBeGreaterThan(5);
      expect(a.indoorHumidity).toBeLessThan(b.indoorHumidity);
    },
  );

  it('more power cools faster', () => {
    const temps = [0, 3, 9].map((power) => {
      const env = new Environment(envConfig());
      env.setActuators(0, { airconPower: power, windowOpen: false });
      return env.sample(2 * HOUR).indoorTemperature;
    });
    expect(temps[1]!).toBeLessThan(temps[0]!);
    expect(temps[2]!).toBeLessThan(temps[1]!);
  });

  it('the air-con cannot cool below its minimum temperature', () => {
    const env = new Environment(
      envConfig({ outdoor: { ...envConfig().outdoor, temperatureMean: 18, temperatureAmplitude: 0 } }),
    );
    env.setActuators(0, { airconPower: 9, windowOpen: false });
    for (let t = 0; t <= 2 * DAY; t += HOUR) expect(env.sample(t).indoorTemperature).toBeGreaterThanOrEqual(16 - 1e-9);
    expect(env.sample(2 * DAY).indoorTemperature).toBeCloseTo(16, 0);
  });

  it('an open window couples indoor to outdoor faster than a closed one', () => {
    const closed = new Environment(envConfig());
    const open = new Environment(envConfig());
    for (const env of [closed, open])
      env.setOverrides(0, { outdoorTemperature: 15, outdoorHumidity: 90, raining: false });
    open.setActuators(0, { airconPower: 0, windowOpen: true });
    const c = closed.sample(30 * MIN);
    const o = open.sample(30 * MIN);
    // Indoor starts at 27 °C / 55 %; 30 min is 1.5 time constants open, 0.125 closed.
    expect(o.indoorTemperature).toBeLessThan(c.indoorTemperature - 5);
    expect(o.indoorTemperature - 15).toBeLessThan(0.3 * (27 - 15));
    expect(27 - c.indoorTemperature).toBeLessThan(0.15 * (27 - 15));
    expect(o.indoorHumidity).toBeGreaterThan(c.indoorHumidity + 15);
  });

  it('an open window takes most of the air-con’s effect away', () => {
    const closed = new Environment(envConfig());
    const open = new Environment(envConfig());
    for (const env of [closed, open]) env.setOverrides(0, { outdoorTemperature: 27 });
    closed.setActuators(0, { airconPower: 9, windowOpen: false });
    open.setActuators(0, { airconPower: 9, windowOpen: true });
    expect(open.sample(HOUR).indoorTemperature).toBeGreaterThan(closed.sample(HOUR).indoorTemperature + 1);
  });

  it('indoor follows the outdoor daily cycle, warmest outdoors at 15:00', () => {
    const env = new Environment(envConfig({ startHour: 0 }));
    const at = (h: number) => env.sample(h * HOUR).outdoorTemperature;
    expect(at(15)).toBeCloseTo(24 + 5, 6);
    expect(at(27)).toBeCloseTo(24 - 5, 6);
  });
});

describe('rain', () => {
  it('rain episodes come with plausible frequency and length over simulated weeks', () => {
    const weeks = 4;
    const env = new Environment(envConfig({ seed: 3 }));
    let rainingMinutes = 0;
    let episodes = 0;
    let was = env.sample(0).raining;
    for (let t = MIN; t <= weeks * 7 * DAY; t += MIN) {
      const now = env.sample(t).raining;
      if (now) rainingMinutes++;
      if (now && !was) episodes++;
      was = now;
    }
    // Mean dry 6 h, mean rain 1 h: about 24 episodes a week, raining 1/7 of the time.
    const perWeek = episodes / weeks;
    expect(perWeek).toBeGreaterThan(12);
    expect(perWeek).toBeLessThan(40);
    const fraction = rainingMinutes / (weeks * 7 * 24 * 60);
    expect(fraction).toBeGreaterThan(0.05);
    expect(fraction).toBeLessThan(0.3);
  });

  it('no episode is shorter than a minute', () => {
    const env = new Environment(
      envConfig({ seed: 9, rain: { meanDryHours: 0.01, meanRainHours: 0.01, raining: false } }),
    );
    let last = env.sample(0).raining;
    let since = 0;
    for (let t = 10_000; t <= DAY; t += 10_000) {
      const now = env.sample(t).raining;
      if (now !== last) {
        expect(t - since).toBeGreaterThanOrEqual(MIN);
        since = t;
        last = now;
      }
    }
  });

  it('starts raining when configured so', () => {
    expect(new Environment(envConfig({ rain: { ...envConfig().rain, raining: true } })).sample(0).raining).toBe(true);
  });

  it('forced rain overrides the episodes and makes the outdoor air wet, until released', () => {
    const forced = new Environment(envConfig({ seed: 11 }));
    const model = new Environment(envConfig({ seed: 11 }));
    forced.setOverrides(0, { raining: true });
    for (let t = 0; t <= DAY; t += 30 * MIN) {
      const c = forced.sample(t);
      expect(c.raining).toBe(true);
      expect(c.outdoorHumidity).toBe(95);
    }
    forced.setOverrides(DAY, { raining: undefined });
    expect(forced.sample(DAY + HOUR).raining).toBe(model.sample(DAY + HOUR).raining);
    forced.setOverrides(DAY + HOUR, { raining: false });
    for (let t = DAY + HOUR; t <= 2 * DAY; t += 30 * MIN) expect(forced.sample(t).raining).toBe(false);
  });
});

describe('dht11Reading', () => {
  it('quantizes like a DHT11: 0.1 °C within 0–50, integer % RH within 0–100', () => {
    expect(dht11Reading(23.456, 61.5)).toEqual({ temperature: 23.5, humidity: 62 });
    expect(dht11Reading(-3, -2)).toEqual({ temperature: 0, humidity: 0 });
    expect(dht11Reading(61, 104)).toEqual({ temperature: 50, humidity: 100 });
  });
});

describe('the emulated home in its room', () => {
  it('reports a lower temperature after hours of air-con than the same seed without', async () => {
    const config = defaultDevicesConfig();
    const run = async (command: string | undefined): Promise<number> => {
      const clock = new VirtualClock(0);
      const link = new EmulatedLink({ config, clock, seed: 21 });
      let last = NaN;
      link.on('sensor', (s) => {
        if (s.sensor === 'climate') last = s.temperature;
      });
      await link.start();
      if (command) await link.apply(command);
      clock.advance(4 * HOUR);
      await link.stop();
      return last;
    };
    const off = await run(undefined);
    const on = await run('019222222');
    expect(Number.isFinite(off)).toBe(true);
    expect(off - on).toBeGreaterThan(3);
  });
});
