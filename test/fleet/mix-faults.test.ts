import { describe, expect, it } from 'vitest';
import { parseFaultSchedule, runFaultSchedule, type InjectedFault } from '../../src/fleet/faults-schedule.js';
import { homeKind, parseMix, resolveMix } from '../../src/fleet/mix.js';
import { VirtualClock } from '../../src/environment/clock.js';

describe('fleet mix', () => {
  it('parses kind:count pairs and refuses anything else in one line', () => {
    expect(parseMix('firmware:20,emulated:980')).toEqual({ firmware: 20, emulated: 980 });
    expect(parseMix('emulated:3')).toEqual({ firmware: 0, emulated: 3 });
    for (const bad of ['firmware', 'firmware:x', 'firmata:2', 'firmware:1,firmware:2', 'firmware:0'])
      expect(() => parseMix(bad), bad).toThrow(/--mix/);
    expect(() => resolveMix('emulated', 10, 'firmware:2,emulated:9')).toThrow(
      /--homes 10 does not match --mix \(11 homes\)/,
    );
    expect(resolveMix('firmware', 8, undefined)).toEqual({ firmware: 8, emulated: 0 });
  });

  it('spreads the firmware homes evenly over the fleet, exactly as many as asked', () => {
    const mix = { firmware: 20, emulated: 980 };
    const fw = [...Array(1000).keys()].filter((i) => homeKind(i, mix) === 'firmware');
    expect(fw).toHaveLength(20);
    // Contiguous worker slices of 500 each get half of them.
    expect(fw.filter((i) => i < 500)).toHaveLength(10);
    expect([...Array(8).keys()].map((i) => homeKind(i, { firmware: 4, emulated: 4 }))).toEqual([
      'emulated',
      'firmware',
      'emulated',
      'firmware',
      'emulated',
      'firmware',
      'emulated',
      'firmware',
    ]);
  });
});

describe('fault schedule', () => {
  const ctx = { prefix: 'home', homes: 8, mix: { firmware: 8, emulated: 0 } };

  it('reads YAML and JSON, homes by id or index, durations with units (bare = seconds)', () => {
    const yaml = parseFaultSchedule(
      '- at: 10s\n  home: home-3\n  fault: unplug\n  for: 500ms\n- at: 2\n  homes: [1, home-2]\n  fault: ' +
        'serial-garbage\n  bytes: "#x\\n"\n',
      ctx,
    );
    expect(yaml).toEqual([
      { atMs: 10_000, homes: [3], fault: 'unplug', forMs: 500 },
      { atMs: 2000, homes: [1, 2], fault: 'serial-garbage', bytes: '#x\n' },
    ]);
    expect(parseFaultSchedule('[{"at": "1m", "home": 0, "fault": "board-reset"}]', ctx)).toEqual([
      { atMs: 60_000, homes: [0], fault: 'board-reset' },
    ]);
  });

  it('refuses a bad schedule with one line naming the file and the entry', () => {
    const bad: [string, RegExp][] = [
      ['at: 1s', /want a list/],
      [
        '- at: 1s\n  home: 1\n  fault: explode',
        /entry 1: fault must be one of serial-garbage, unplug, replug, board-reset/,
      ],
      ['- at: soon\n  home: 1\n  fault: unplug', /entry 1: at must be a duration/],
      ['- at: 1s\n  home: home-9\n  fault: unplug', /entry 1: home "home-9" is not a home of this fleet/],
      ['- at: 1s\n  home: 1\n  fault: board-reset\n  for: 2s', /for is only for unplug/],
      ['- at: 1s\n  home: 1\n  fault: unplug\n  when: now', /unknown key "when"/],
      ['- [', /not YAML or JSON/],
    ];
    for (const [text, why] of bad) {
      let message = '';
      try {
        parseFaultSchedule(text, ctx, 'f.yaml');
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message, text).toMatch(why);
      expect(message).toMatch(/^--faults f\.yaml: /);
      expect(message).not.toContain('\n');
    }
    expect(() =>
      parseFaultSchedule('- at: 1s\n  home: 0\n  fault: unplug', { ...ctx, mix: { firmware: 4, emulated: 4 } }),
    ).toThrow(/home-0 runs the emulated home, which has no board to fault/);
  });

  it('injects every fault at its time on the clock, and the replug after an unplug', async () => {
    const clock = new VirtualClock(0);
    const seen: InjectedFault[] = [];
    const injected: string[] = [];
    const schedule = parseFaultSchedule(
      '- at: 1s\n  homes: [1, 2]\n  fault: unplug\n  for: 2s\n- at: 2s\n  home: 3\n  fault: board-reset',
      ctx,
    );
    const stop = runFaultSchedule(schedule, { inject: async (i, f) => void injected.push(`${f} ${i}`) }, clock, (f) =>
      seen.push(f),
    );
    clock.advance(999);
    expect(injected).toEqual([]);
    clock.advance(1);
    clock.advance(1000);
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    expect(injected).toEqual(['unplug 1', 'unplug 2', 'board-reset 3', 'replug 1', 'replug 2']);
    expect(seen.map((f) => f.atMs)).toEqual([1000, 1000, 2000, 3000, 3000]);
    stop();
  });
});
