import { expect } from 'vitest';
import { BOOT_STATUS, mergeCommand, validateCommand } from '../../src/home/status-codec.js';
import { reportsAfterBoot, type Scenario } from './scenario.js';

/**
 * Every string the real apps put on the bus (docs/car2home-bus.md §1: CarDashboard tiles and
 * Appliance save, Android toggles, the Backend scheduler, mode tiles), applied one after another from
 * boot, so each meets a prior status with other things on.
 */
export const REAL_APP_COMMANDS = [
  '016222222', // CarDashboard: aircon on, power 6
  '022152022', // light on, brightness 5, blue, normal
  '022222221', // gas open
  '022222212', // window open
  '002222222', // aircon off (power kept)
  '022022222', // light off (brightness, colour, effect kept)
  '022222220', // gas closed
  '022222202', // window closed
  '017155010', // Appliance save: full explicit state
  '012255022', // Android toggles: aircon on (power 2) …
  '002255022', // … and off
  '022155022', // light on, brightness 5, purple …
  '022055022', // … and off
  '022255012', // window open …
  '022255002', // … and closed
  '022255021', // gas on …
  '022255020', // … and off
  '116155010', // mode tile, indoor preset
  '009052300', // Backend schedule sample
  '200000000', // outing preset: everything off, values kept
  '413177300', // eco preset: aircon 3, light 7 sky tree
  '009052300', // the same schedule again: nothing changes, still acknowledged
];

/** Invalid commands: every error code, at several positions (docs/home-behaviour.md §1.1). */
export const INVALID_COMMANDS: { command: string; code: string; context: Record<string, unknown> }[] = [
  { command: '01615501', code: 'STATUS_LENGTH', context: { length: 8 } },
  { command: '0161550100', code: 'STATUS_LENGTH', context: { length: 10 } },
  { command: '', code: 'STATUS_LENGTH', context: { length: 0 } },
  { command: 'x16155010', code: 'STATUS_NOT_DIGIT', context: { position: 0 } },
  { command: '01615501-', code: 'STATUS_NOT_DIGIT', context: { position: 8 } },
  { command: '0161 5010', code: 'STATUS_NOT_DIGIT', context: { position: 4 } },
  { command: '516155010', code: 'STATUS_RANGE', context: { position: 0 } },
  { command: '036155010', code: 'STATUS_RANGE', context: { position: 1 } },
  { command: '016355010', code: 'STATUS_RANGE', context: { position: 3 } },
  { command: '016158010', code: 'STATUS_RANGE', context: { position: 5 } },
  { command: '016155410', code: 'STATUS_RANGE', context: { position: 6 } },
  { command: '016155030', code: 'STATUS_RANGE', context: { position: 7 } },
  { command: '016155013', code: 'STATUS_RANGE', context: { position: 8 } },
  { command: '91615501x', code: 'STATUS_RANGE', context: { position: 0 } }, // the first bad position wins
];

/** The status after each command from boot, by the codec (the spec's own merge). */
function chain(commands: readonly string[]): string[] {
  let s = BOOT_STATUS;
  return commands.map((c) => (s = mergeCommand(s, validateCommand(c))));
}

export const commandScenarios: Scenario[] = [
  {
    name:
      'every real-app command vector is acknowledged with the merged status, and reported once when it changes ' +
      'something',
    async run(rig) {
      for (const command of REAL_APP_COMMANDS) {
        await rig.apply(command);
        await rig.advance(20);
      }
      await rig.advance(1500); // window travel done
      expect(await rig.link.requestStatus()).toBe(chain(REAL_APP_COMMANDS).at(-1));
    },
    check(rig) {
      const expected = chain(REAL_APP_COMMANDS);
      expect(rig.transcript.applied).toEqual(REAL_APP_COMMANDS.map((command, i) => ({ command, status: expected[i] })));
      const changes = expected.filter((s, i) => s !== (i === 0 ? BOOT_STATUS : expected[i - 1]));
      expect(reportsAfterBoot(rig)).toEqual([...changes.map((s) => `command ${s}`), `request ${expected.at(-1)}`]);
      expect(rig.transcript.eventLines()).toEqual([]);
      expect(rig.transcript.errors).toEqual([]);
    },
  },
  {
    name:
      'invalid commands are refused with their error code and the first bad position or the length, and change ' +
      'nothing',
    async run(rig) {
      await rig.apply('016155010');
      for (const { command } of INVALID_COMMANDS) await rig.apply(command);
      await rig.apply('016155010');
    },
    check(rig) {
      expect(rig.transcript.applied).toEqual([
        { command: '016155010', status: '016155010' },
        ...INVALID_COMMANDS.map(({ command, code, context }) => ({
          command,
          error: code,
          context: expect.objectContaining(context),
        })),
        { command: '016155010', status: '016155010' },
      ]);
      expect(reportsAfterBoot(rig)).toEqual(['command 016155010']);
    },
  },
];
