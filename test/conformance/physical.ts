import { expect } from 'vitest';
import { lightOutput } from '../../src/home/light.js';
import { decodeStatus } from '../../src/home/status-codec.js';
import type { ButtonName } from '../../src/home/types.js';
import type { Rig } from './rig.js';
import { expectDuty, reportsAfterBoot, type Scenario } from './scenario.js';

/** Holds a button for `ms` of device time, then lets go. */
async function hold(rig: Rig, button: ButtonName, ms: number): Promise<void> {
  rig.physical.press(button);
  await rig.advance(ms);
  rig.physical.release(button);
  await rig.advance(100);
}

/** The outputs the spec gives for a steady status (light effect 0), compared within one PWM step. */
function expectOutputsFor(rig: Rig, status: string): void {
  const s = decodeStatus(status);
  const a = rig.config.appliances;
  const out = rig.physical.outputs();
  expect(out.windowAngle, `window angle for ${status}`).toBe(s.windowOpen ? a.window.openDeg : a.window.closedDeg);
  expect(out.gasValveOpen, `gas valve for ${status}`).toBe(s.gasValveOpen);
  expectDuty(out.fanDuty, s.aircon.on ? s.aircon.power * a.aircon.dutyPerPowerStep : 0, `fan for ${status}`);
  const rgb = lightOutput(s.light, a.light, 0);
  expectDuty(out.light.r, rgb.r, `red for ${status}`);
  expectDuty(out.light.g, rgb.g, `green for ${status}`);
  expectDuty(out.light.b, rgb.b, `blue for ${status}`);
}

export const physicalScenarios: Scenario[] = [
  {
    name:
      'a button held for the hold time toggles its appliance once and clears the mode digit; a short press does ' +
      'nothing',
    async run(rig) {
      await rig.apply('116155011');
      await hold(rig, 'aircon', 500); // short: nothing
      // Just under and just over the hold time: the sketch samples its buttons on a 10 ms tick, so the
      // two homes agree to within one tick.
      await hold(rig, 'aircon', 990);
      await hold(rig, 'aircon', 1020);
      await hold(rig, 'light', 3000); // long: still one toggle
      await hold(rig, 'gas', 1100);
      await hold(rig, 'aircon', 1100); // back on, power kept
      await rig.advance(100);
      expectOutputsFor(rig, '016055010');
    },
    check(rig) {
      expect(rig.transcript.eventLines()).toEqual(['button aircon', 'button light', 'button gas', 'button aircon']);
      expect(reportsAfterBoot(rig)).toEqual([
        'command 116155011',
        'button 006155011',
        'button 006055011',
        'button 006055010',
        'button 016055010',
      ]);
    },
  },
  {
    name:
      'a window pushed by hand: the status follows the contact after the debounce; a push back within it changes ' +
      'nothing',
    async run(rig) {
      await rig.apply('300000000');
      rig.physical.pushWindow(true);
      await rig.advance(1990);
      rig.physical.pushWindow(false); // back within the debounce (within one 10 ms tick of it): nothing
      await rig.advance(3000);
      rig.physical.pushWindow(true);
      await rig.advance(2030); // → window open, mode cleared
      expect(rig.physical.outputs().windowAngle).toBe(110);
      // After a hand-opened window, the close command closes it (docs/home-behaviour.md §1.3).
      await rig.apply('022222202');
      await rig.advance(1300);
      expectOutputsFor(rig, '000000000');
      await rig.apply('022222212');
      await rig.advance(300);
      rig.physical.pushWindow(false); // while the servo travels: no effect
      await rig.advance(1200);
      expect(rig.physical.outputs().windowAngle).toBe(110);
      rig.physical.pushWindow(false); // closed by hand
      await rig.advance(2500);
      expect(rig.physical.outputs().windowAngle).toBe(0);
      // Pushed open, then commanded open before the debounce: the status already agrees, no event.
      rig.physical.pushWindow(true);
      await rig.advance(500);
      await rig.apply('022222212');
      await rig.advance(3000);
      expectOutputsFor(rig, '000000010');
      // Pushed closed, then commanded closed before the debounce: likewise.
      rig.physical.pushWindow(false);
      await rig.advance(500);
      await rig.apply('122222202');
      await rig.advance(3000);
      expectOutputsFor(rig, '100000000');
    },
    check(rig) {
      expect(rig.transcript.eventLines()).toEqual(['window open', 'window closed']);
      expect(reportsAfterBoot(rig)).toEqual([
        'command 300000000',
        'window 000000010',
        'command 000000000',
        'command 000000010',
        'window 000000000',
        'command 000000010',
        'command 100000000',
      ]);
    },
  },
  {
    name: 'outputs follow the status: fan duty, light colour at brightness, gas valve, window angle',
    async run(rig) {
      for (const status of [
        '019000000',
        '004190001',
        '000121011',
        '017155010',
        '011171000',
        '001133000',
        '000161010',
        '000000000',
      ]) {
        await rig.apply(status);
        await rig.advance(1300);
        expectOutputsFor(rig, status);
      }
    },
    check(rig) {
      expect(rig.transcript.errors).toEqual([]);
    },
  },
  {
    name: 'light effects run on the selected colour and brightness with the documented timing',
    async run(rig) {
      const timing = rig.config.appliances.light;
      // Sampled in the middle of each effect step, where the step's value holds on either link.
      const samples: [string, number[]][] = [
        ['000183300', [250, 750, 1250, 1750]], // tree: green and yellow alternate every 500 ms
        ['000162200', [725, 2175, 3625, 5075, 6525]], // guide: every colour in turn every 1450 ms
        ['000191100', [75, 225, 375, 675, 1275, 1575, 2025, 2925, 3075]], // sleep: 0 → peak → 0 in 3 s
      ];
      for (const [status, at] of samples) {
        await rig.apply(status);
        const t0 = rig.now();
        const s = decodeStatus(status);
        for (const ms of at) {
          await rig.advance(t0 + ms - rig.now());
          const expected = lightOutput(s.light, timing, ms);
          const { light } = rig.physical.outputs();
          expectDuty(light.r, expected.r, `red of ${status} at ${ms} ms`);
          expectDuty(light.g, expected.g, `green of ${status} at ${ms} ms`);
          expectDuty(light.b, expected.b, `blue of ${status} at ${ms} ms`);
        }
      }
    },
    check(rig) {
      expect(reportsAfterBoot(rig)).toEqual(['command 000183300', 'command 000162200', 'command 000191100']);
    },
  },
];
