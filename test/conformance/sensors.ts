import { expect } from 'vitest';
import type { Rig } from './rig.js';
import type { Scenario } from './scenario.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Simulated hours per half of the drift scenario (air-con on, then off). Two hours in all by default;
 * the firmware link runs them on the emulated board at some tens of times real time.
 */
export const DRIFT_HOURS = Number(process.env['CONFORMANCE_DRIFT_HOURS'] ?? 1);

/** Climate readings taken within [from, to) of device time. */
function readings(rig: Rig, from: number, to: number) {
  return rig.transcript.climate.filter((c) => c.time >= from && c.time < to);
}

export const sensorScenarios: Scenario[] = [
  {
    name: 'rain on and off: the rain reading follows the sensor from its next period',
    async run(rig) {
      rig.physical.setConditions({ raining: true });
      await rig.advance(4100);
      rig.physical.setConditions({ raining: false });
      await rig.advance(4000);
      rig.physical.setConditions({ raining: true });
      await rig.advance(2000);
    },
    check(rig) {
      // Readings at 2, 4 s (raining), 6, 8 s (dry), 10 s (raining again).
      expect(rig.transcript.rain.map((r) => r.raining)).toEqual([true, true, false, false, true]);
      expect(rig.transcript.climate).toHaveLength(1); // 2 s after boot
    },
  },
  {
    name:
      `sensor drift over ${2 * DRIFT_HOURS} simulated hours: the air-con on cools and dries the room it reports, ` +
      'off it warms back',
    timeoutMs: 20 * 60_000,
    async run(rig) {
      rig.physical.setConditions({ indoorTemperature: 27, indoorHumidity: 60 });
      await rig.apply('019000000'); // air-con on, power 9
      await rig.advance(DRIFT_HOURS * HOUR);
      await rig.apply('009000000'); // air-con off
      await rig.advance(DRIFT_HOURS * HOUR);
    },
    check(rig) {
      const on = readings(rig, 0, DRIFT_HOURS * HOUR);
      const off = readings(rig, DRIFT_HOURS * HOUR, 2 * DRIFT_HOURS * HOUR - 100);
      // One reading 2 s after boot, then one a minute.
      expect(on.length).toBe(DRIFT_HOURS * 60);
      expect(off.length).toBe(DRIFT_HOURS * 60);
      const first = on[0]!;
      const coolest = on.at(-1)!;
      // Power 9 cools 5.4 °C an hour (less the warm outside leaking in) and dries 9 %RH an hour.
      expect(first.temperature - coolest.temperature).toBeGreaterThan(3.5 * DRIFT_HOURS);
      expect(first.humidity - coolest.humidity).toBeGreaterThan(3 * DRIFT_HOURS);
      // Readings only ever go down while cooling (one DHT11 quantum of noise aside) …
      for (const [i, c] of on.slice(1).entries()) expect(c.temperature).toBeLessThanOrEqual(on[i]!.temperature + 0.1);
      // … and back up towards the outside once it is off.
      expect(off.at(-1)!.temperature).toBeGreaterThan(coolest.temperature + 0.5 * DRIFT_HOURS);
      expect(rig.transcript.statusLines().slice(1)).toEqual(['command 019000000', 'command 009000000']);
    },
  },
];
