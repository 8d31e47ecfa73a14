import { describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { Home } from '../../src/home/home.js';
import type { HomeEvent, SensorReading, StatusReport } from '../../src/home/types.js';

/** A home on a virtual clock with scripted sensors, recording everything it emits in order. */
function makeHome(
  initialStatus?: string,
  sensors?: { temperature?: number; humidity?: number; raining?: (t: number) => boolean },
) {
  const config = defaultDevicesConfig();
  const clock = new VirtualClock(0);
  const home = new Home({
    config,
    clock,
    ...(initialStatus ? { initialStatus } : {}),
    sensors: {
      climate: () => ({ temperature: sensors?.temperature ?? 24.5, humidity: sensors?.humidity ?? 55 }),
      raining: (t) => sensors?.raining?.(t) ?? false,
    },
  });
  const log: (
    | { kind: 'status'; r: StatusReport }
    | { kind: 'event'; e: HomeEvent }
    | { kind: 'sensor'; s: SensorReading }
  )[] = [];
  home.on('status', (r) => log.push({ kind: 'status', r }));
  home.on('event', (e) => log.push({ kind: 'event', e }));
  home.on('sensor', (s) => log.push({ kind: 'sensor', s }));
  const statuses = () => log.flatMap((x) => (x.kind === 'status' ? [x.r] : []));
  const events = () => log.flatMap((x) => (x.kind === 'event' ? [x.e] : []));
  const sensorReadings = () => log.flatMap((x) => (x.kind === 'sensor' ? [x.s] : []));
  return { home, clock, config, log, statuses, events, sensorReadings };
}

describe('boot', () => {
  it('reports its status with cause boot on start', () => {
    const { home, statuses } = makeHome('016155010');
    home.start();
    expect(statuses()).toEqual([{ status: '016155010', cause: 'boot', time: 0 }]);
    home.stop();
  });

  it('answers a status request with cause request, even when nothing changed', () => {
    const { home, clock, statuses } = makeHome();
    home.start();
    clock.advance(500);
    expect(home.requestStatus()).toBe('000000000');
    expect(statuses().at(-1)).toEqual({ status: '000000000', cause: 'request', time: 500 });
    home.stop();
  });

  it('emits a status report only when a command changes something', () => {
    const { home, statuses } = makeHome();
    home.start();
    expect(home.apply('016222222')).toEqual({ status: '016000000', changed: true });
    expect(home.apply('016222222')).toEqual({ status: '016000000', changed: false });
    expect(statuses().map((r) => r.cause)).toEqual(['boot', 'command']);
    home.stop();
  });

  it('rejects an invalid command without changing anything', () => {
    const { home, statuses } = makeHome('016155010');
    home.start();
    expect(() => home.apply('016159010')).toThrow(/position 5/);
    expect(home.status).toBe('016155010');
    expect(statuses()).toHaveLength(1);
    home.stop();
  });
});

describe('window', () => {
  it(
    'takes 1.1 s to open: the status changes at once, the angle is 55 at 550 ms, the contact reads open during ' +
      'travel',
    () => {
      const { home, clock, statuses } = makeHome();
      home.start();
      home.apply('022222212');
      expect(home.status).toBe('000000010');
      expect(statuses().at(-1)).toMatchObject({ status: '000000010', cause: 'command', time: 0 });
      expect(home.outputs().windowAngle).toBe(0);
      clock.advance(10);
      expect(home.outputs().windowAngle).toBe(1);
      expect(home.contactOpen()).toBe(true);
      clock.advance(540);
      expect(home.outputs().windowAngle).toBe(55);
      expect(home.contactOpen()).toBe(true);
      clock.advance(549);
      expect(home.outputs().windowAngle).toBe(109);
      clock.advance(1);
      expect(home.outputs().windowAngle).toBe(110);
      clock.advance(5000);
      expect(home.outputs().windowAngle).toBe(110);
      expect(statuses().map((r) => r.cause)).toEqual(['boot', 'command']);
      home.stop();
    },
  );

  it('closes in 1.1 s, and the contact reads closed only at 0°', () => {
    const { home, clock } = makeHome('000000010');
    home.start();
    expect(home.outputs().windowAngle).toBe(110);
    home.apply('022222202');
    clock.advance(1090);
    expect(home.outputs().windowAngle).toBe(1);
    expect(home.contactOpen()).toBe(true);
    clock.advance(10);
    expect(home.outputs().windowAngle).toBe(0);
    expect(home.contactOpen()).toBe(false);
    home.stop();
  });

  it('reverses from its current angle when told to close mid-travel', () => {
    const { home, clock, statuses } = makeHome();
    home.start();
    home.apply('022222212');
    clock.advance(550);
    home.apply('022222202');
    expect(home.status).toBe('000000000');
    expect(home.outputs().windowAngle).toBe(55);
    clock.advance(300);
    expect(home.outputs().windowAngle).toBe(25);
    clock.advance(250);
    expect(home.outputs().windowAngle).toBe(0);
    expect(home.contactOpen()).toBe(false);
    // The servo's own travel never looks like a hand on the window.
    clock.advance(10_000);
    expect(statuses().map((r) => r.cause)).toEqual(['boot', 'command', 'command']);
    home.stop();
  });

  it('does not move for a command that keeps the window (2)', () => {
    const { home, clock } = makeHome('000000010');
    home.start();
    home.apply('016222222');
    clock.advance(500);
    expect(home.outputs().windowAngle).toBe(110);
    home.stop();
  });

  it('follows a hand-opened window after the 2 s debounce (not at 1.99 s), clearing the mode digit', () => {
    const { home, clock, statuses, events, log } = makeHome('300000000');
    home.start();
    clock.advance(100);
    home.pushWindow(true);
    expect(home.contactOpen()).toBe(true);
    clock.advance(1990);
    expect(home.status).toBe('300000000');
    clock.advance(10);
    expect(home.status).toBe('000000010');
    expect(statuses().at(-1)).toEqual({ status: '000000010', cause: 'window', time: 2100 });
    expect(events()).toEqual([{ event: 'window', open: true, time: 2100 }]);
    const order = log.filter((x) => x.kind !== 'sensor').map((x) => x.kind);
    expect(order.slice(-2)).toEqual(['event', 'status']);
    expect(home.outputs().windowAngle).toBe(110);
    home.stop();
  });

  it('closes a hand-opened window on 022222202 (bug 8 fixed: actuation follows the merged state)', () => {
    const { home, clock, statuses } = makeHome();
    home.start();
    home.pushWindow(true);
    clock.advance(2000);
    expect(home.status).toBe('000000010');
    expect(home.apply('022222202')).toEqual({ status: '000000000', changed: true });
    clock.advance(550);
    expect(home.outputs().windowAngle).toBe(55);
    clock.advance(550);
    expect(home.outputs().windowAngle).toBe(0);
    expect(home.contactOpen()).toBe(false);
    // The status does not flip back to open 2 s later, as the original's did.
    clock.advance(10_000);
    expect(home.status).toBe('000000000');
    expect(statuses().map((r) => r.cause)).toEqual(['boot', 'window', 'command']);
    home.stop();
  });

  it('follows a hand-closed window too', () => {
    const { home, clock, events } = makeHome('000000010');
    home.start();
    home.pushWindow(false);
    expect(home.contactOpen()).toBe(false);
    clock.advance(2000);
    expect(home.status).toBe('000000000');
    expect(events()).toEqual([{ event: 'window', open: false, time: 2000 }]);
    home.apply('022222212');
    clock.advance(1100);
    expect(home.outputs().windowAngle).toBe(110);
    home.stop();
  });

  it('travels from where a hand left the window, not from the servo’s last position', () => {
    const { home, clock, statuses } = makeHome();
    home.start();
    home.pushWindow(true);
    clock.advance(500);
    home.apply('022222212');
    expect(home.outputs().windowAngle).toBe(110);
    expect(home.contactOpen()).toBe(true);
    clock.advance(550);
    expect(home.outputs().windowAngle).toBe(110);
    clock.advance(10_000);
    expect(statuses().map((r) => r.cause)).toEqual(['boot', 'command']);
    home.stop();
  });

  it('restarts the debounce when the contact goes back before 2 s', () => {
    const { home, clock } = makeHome();
    home.start();
    home.pushWindow(true);
    clock.advance(1500);
    home.pushWindow(false);
    clock.advance(100);
    home.pushWindow(true);
    clock.advance(1990);
    expect(home.status).toBe('000000000');
    clock.advance(10);
    expect(home.status).toBe('000000010');
    home.stop();
  });

  it('ignores a hand on the window while the servo travels', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022222212');
    clock.advance(300);
    home.pushWindow(false);
    clock.advance(800);
    expect(home.outputs().windowAngle).toBe(110);
    clock.advance(5000);
    expect(home.status).toBe('000000010');
    home.stop();
  });
});

describe('buttons', () => {
  it('a 1 s hold toggles the aircon and clears the mode digit; event then status', () => {
    const { home, clock, statuses, log } = makeHome('316155010');
    home.start();
    home.press('aircon');
    clock.advance(999);
    expect(home.status).toBe('316155010');
    clock.advance(1);
    expect(home.status).toBe('006155010');
    const tail = log.filter((x) => x.kind !== 'sensor').slice(-2);
    expect(tail).toEqual([
      { kind: 'event', e: { event: 'button', button: 'aircon', time: 1000 } },
      { kind: 'status', r: { status: '006155010', cause: 'button', time: 1000 } },
    ]);
    expect(statuses()).toHaveLength(2);
    home.stop();
  });

  it('a 0.99 s hold does nothing', () => {
    const { home, clock, events } = makeHome('316155010');
    home.start();
    home.press('light');
    clock.advance(990);
    home.release('light');
    clock.advance(5000);
    expect(home.status).toBe('316155010');
    expect(events()).toEqual([]);
    home.stop();
  });

  it('holding on toggles once; release and press again toggles back', () => {
    const { home, clock, events } = makeHome('000000000');
    home.start();
    home.press('gas');
    clock.advance(5000);
    expect(home.status).toBe('000000001');
    home.press('gas');
    clock.advance(5000);
    expect(home.status).toBe('000000001');
    home.release('gas');
    home.press('gas');
    clock.advance(1000);
    expect(home.status).toBe('000000000');
    expect(events()).toEqual([
      { event: 'button', button: 'gas', time: 1000 },
      { event: 'button', button: 'gas', time: 11000 },
    ]);
    home.stop();
  });

  it('the light button keeps brightness, colour and effect', () => {
    const { home, clock } = makeHome('000152300');
    home.start();
    home.press('light');
    clock.advance(1000);
    expect(home.status).toBe('000052300');
    home.release('light');
    home.press('light');
    clock.advance(1000);
    expect(home.status).toBe('000152300');
    home.stop();
  });

  it('a command after a button toggle compares with the new state (bug 8 fixed)', () => {
    const { home, clock, config } = makeHome('016000000');
    home.start();
    home.press('aircon');
    clock.advance(1000);
    expect(home.outputs().fanDuty).toBe(0);
    home.apply('016222222');
    expect(home.outputs().fanDuty).toBe(6 * config.appliances.aircon.dutyPerPowerStep);
    home.stop();
  });
});

describe('sensors', () => {
  it('reads the climate first at 2 s, then every 60 s; rain every 2 s', () => {
    const { home, clock, sensorReadings } = makeHome(undefined, {
      temperature: 23.4,
      humidity: 61,
      raining: (t) => t >= 4000,
    });
    home.start();
    clock.advance(1999);
    expect(sensorReadings()).toEqual([]);
    clock.advance(1);
    expect(sensorReadings()).toEqual([
      { sensor: 'climate', temperature: 23.4, humidity: 61, time: 2000 },
      { sensor: 'rain', raining: false, time: 2000 },
    ]);
    clock.advance(120_000);
    const climate = sensorReadings()
      .filter((s) => s.sensor === 'climate')
      .map((s) => s.time);
    const rain = sensorReadings().filter((s) => s.sensor === 'rain');
    expect(climate).toEqual([2000, 62_000, 122_000]);
    expect(rain.map((s) => s.time)).toEqual(Array.from({ length: 61 }, (_, i) => 2000 * (i + 1)));
    expect(rain[0]).toMatchObject({ raining: false });
    expect(rain[1]).toMatchObject({ raining: true, time: 4000 });
    home.stop();
  });

  it('skips a failed climate read and keeps its period', () => {
    const config = defaultDevicesConfig();
    const clock = new VirtualClock(0);
    let fail = true;
    const home = new Home({
      config,
      clock,
      sensors: { climate: () => (fail ? undefined : { temperature: 20, humidity: 50 }), raining: () => false },
    });
    const times: number[] = [];
    home.on('sensor', (s) => s.sensor === 'climate' && times.push(s.time));
    home.start();
    clock.advance(2000);
    fail = false;
    clock.advance(60_000);
    expect(times).toEqual([62_000]);
    home.stop();
  });

  it('starts each sensor schedule at its phase of the period (a fleet spreads its homes with it)', () => {
    const config = defaultDevicesConfig();
    const clock = new VirtualClock(0);
    const home = new Home({
      config,
      clock,
      sensorPhase: 0.25,
      sensors: { climate: () => ({ temperature: 20, humidity: 50 }), raining: () => false },
    });
    const times: Record<string, number[]> = { climate: [], rain: [] };
    home.on('sensor', (s) => times[s.sensor]!.push(s.time));
    home.start();
    clock.advance(80_000);
    const { climate, rain } = config.sensors;
    expect(times['climate']!.slice(0, 2)).toEqual([
      climate.firstReadingMs + climate.periodMs / 4,
      climate.firstReadingMs + climate.periodMs * 1.25,
    ]);
    expect(times['rain']!.slice(0, 2)).toEqual([rain.periodMs * 1.25, rain.periodMs * 2.25]);
    home.stop();
  });

  it('stops every timer on stop', () => {
    const { home, clock, sensorReadings } = makeHome();
    home.start();
    home.apply('022222212');
    home.press('aircon');
    home.stop();
    clock.advance(600_000);
    expect(sensorReadings()).toEqual([]);
    expect(clock.nextDue()).toBeUndefined();
  });
});

describe('outputs', () => {
  it('fan duty is power × 25 while on, 0 while off', () => {
    const { home } = makeHome();
    home.start();
    expect(home.outputs().fanDuty).toBe(0);
    home.apply('016222222');
    expect(home.outputs().fanDuty).toBe(150);
    home.apply('019222222');
    expect(home.outputs().fanDuty).toBe(225);
    home.apply('002222222');
    expect(home.outputs().fanDuty).toBe(0);
    home.apply('010222222');
    expect(home.outputs().fanDuty).toBe(0);
    expect(home.status).toBe('010000000');
    home.stop();
  });

  it('gas valve output follows the status', () => {
    const { home } = makeHome();
    home.start();
    home.apply('022222221');
    expect(home.outputs().gasValveOpen).toBe(true);
    home.apply('022222220');
    expect(home.outputs().gasValveOpen).toBe(false);
    home.stop();
  });

  it('normal effect: the colour at brightness × 25, off when the light is off', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022155022');
    expect(home.outputs().light).toEqual({ r: 64, g: 34, b: 93 }); // purple 130,70,190 at 125/255
    clock.advance(10_000);
    expect(home.outputs().light).toEqual({ r: 64, g: 34, b: 93 });
    home.apply('022022222');
    expect(home.outputs().light).toEqual({ r: 0, g: 0, b: 0 });
    home.stop();
  });

  it('sleep effect breathes in the selected colour up to the selected brightness, 150 ms a step', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022181122'); // red, brightness 8 → peak 200
    const red = () => home.outputs().light;
    expect(red()).toEqual({ r: 0, g: 0, b: 0 });
    clock.advance(150);
    expect(red()).toEqual({ r: 20, g: 0, b: 0 });
    clock.advance(150 * 4);
    expect(red()).toEqual({ r: 100, g: 0, b: 0 });
    clock.advance(150 * 5);
    expect(red()).toEqual({ r: 200, g: 0, b: 0 });
    clock.advance(150);
    expect(red()).toEqual({ r: 180, g: 0, b: 0 });
    clock.advance(150 * 9);
    expect(red()).toEqual({ r: 0, g: 0, b: 0 });
    // 3 s cycle
    clock.advance(150 * 10);
    expect(red()).toEqual({ r: 200, g: 0, b: 0 });
    home.stop();
  });

  it('guide effect cycles through all 8 colours from the selected one, 1450 ms each', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022196222'); // brightness 9 (225), colour 6 orange, guide
    const at225 = (r: number, g: number, b: number) => ({
      r: Math.round((r * 225) / 255),
      g: Math.round((g * 225) / 255),
      b: Math.round((b * 225) / 255),
    });
    expect(home.outputs().light).toEqual(at225(255, 100, 60));
    clock.advance(1449);
    expect(home.outputs().light).toEqual(at225(255, 100, 60));
    clock.advance(1);
    expect(home.outputs().light).toEqual(at225(0, 170, 255));
    clock.advance(1450);
    expect(home.outputs().light).toEqual(at225(255, 255, 255));
    clock.advance(1450 * 6);
    expect(home.outputs().light).toEqual(at225(255, 100, 60));
    home.stop();
  });

  it('tree effect alternates the selected colour and the next every 500 ms', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022173322'); // brightness 7 (175), green, tree
    expect(home.outputs().light).toEqual({ r: 0, g: 175, b: 0 });
    clock.advance(500);
    expect(home.outputs().light).toEqual({ r: 175, g: 175, b: 55 }); // yellow 255,255,80
    clock.advance(500);
    expect(home.outputs().light).toEqual({ r: 0, g: 175, b: 0 });
    home.stop();
  });

  it('restarts effect timing when the light settings change', () => {
    const { home, clock } = makeHome();
    home.start();
    home.apply('022191122');
    clock.advance(1500);
    expect(home.outputs().light.r).toBe(225);
    home.apply('022181122');
    expect(home.outputs().light.r).toBe(0);
    clock.advance(150);
    expect(home.outputs().light.r).toBe(20);
    home.stop();
  });
});
