import type { DevicesConfig } from './schema.js';

/**
 * The values of devices.json our Uno sketch is compiled with, one table for both ends:
 * scripts/firmware/write-config.ts generates firmware/smarthome/config.h from it, and the sketch
 * reports the same values back, group by group in this order, in its `CFG` lines
 * (docs/serial-protocol.md §5.1), so the serial link can refuse a board built from another
 * devices.json. The groups are the wire's; each value's place in its group is its index here.
 */
export interface BuildField {
  /** Where devices.json holds it, dot-separated. */
  path: string;
  /** The C constant in config.h. */
  constant: string;
  kind: 'pin' | 'ms' | 'uint8' | 'flag';
}

const pin = (path: string, constant: string): BuildField => ({ path, constant, kind: 'pin' });
const ms = (path: string, constant: string): BuildField => ({ path, constant, kind: 'ms' });
const uint8 = (path: string, constant: string): BuildField => ({ path, constant, kind: 'uint8' });

export const BOARD_BUILD = {
  climate: [
    pin('sensors.climate.serial.pin', 'PIN_DHT'),
    ms('sensors.climate.firstReadingMs', 'CLIMATE_FIRST_MS'),
    ms('sensors.climate.periodMs', 'CLIMATE_PERIOD_MS'),
  ],
  rain: [
    pin('sensors.rain.pin', 'PIN_RAIN'),
    ms('sensors.rain.periodMs', 'RAIN_PERIOD_MS'),
    { path: 'sensors.rain.activeLow', constant: 'RAIN_ACTIVE_LOW', kind: 'flag' },
  ],
  buttons: [
    pin('sensors.buttons.pins.aircon', 'PIN_BUTTON_AIRCON'),
    pin('sensors.buttons.pins.light', 'PIN_BUTTON_LIGHT'),
    pin('sensors.buttons.pins.gas', 'PIN_BUTTON_GAS'),
    ms('sensors.buttons.holdMs', 'BUTTON_HOLD_MS'),
  ],
  aircon: [
    pin('appliances.aircon.pins.fan', 'PIN_FAN'),
    uint8('appliances.aircon.dutyPerPowerStep', 'DUTY_PER_POWER_STEP'),
  ],
  light: [
    pin('appliances.light.pins.red', 'PIN_LIGHT_RED'),
    pin('appliances.light.pins.green', 'PIN_LIGHT_GREEN'),
    pin('appliances.light.pins.blue', 'PIN_LIGHT_BLUE'),
    uint8('appliances.light.dutyPerBrightnessStep', 'DUTY_PER_BRIGHTNESS_STEP'),
    ms('appliances.light.sleepStepMs', 'SLEEP_STEP_MS'),
    ms('appliances.light.guideStepMs', 'GUIDE_STEP_MS'),
    ms('appliances.light.treeStepMs', 'TREE_STEP_MS'),
  ],
  window: [
    pin('appliances.window.pins.servo', 'PIN_SERVO'),
    pin('appliances.window.pins.contact', 'PIN_CONTACT'),
    uint8('appliances.window.closedDeg', 'WINDOW_CLOSED_DEG'),
    uint8('appliances.window.openDeg', 'WINDOW_OPEN_DEG'),
    ms('appliances.window.msPerDegree', 'WINDOW_MS_PER_DEGREE'),
    ms('appliances.window.contactDebounceMs', 'CONTACT_DEBOUNCE_MS'),
  ],
  gas: [pin('appliances.gasValve.pins.output', 'PIN_GAS_VALVE')],
} as const satisfies Record<string, readonly BuildField[]>;

export type BuildGroup = keyof typeof BOARD_BUILD;
export const BUILD_GROUPS = Object.keys(BOARD_BUILD) as BuildGroup[];

/** The devices.json value at a dot-separated path. */
export function configValue(config: DevicesConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], config);
}

/** A value as the board reports it: pins as written (`D2`, `A1`), numbers in decimal, flags as 1 or 0. */
export function wireValue(field: BuildField, value: unknown): string {
  if (field.kind === 'flag') return value ? '1' : '0';
  return String(value);
}

/** Every group's values in wire form, as a board built from `config` reports them. */
export function expectedBuild(config: DevicesConfig): Map<BuildGroup, string[]> {
  return new Map(BUILD_GROUPS.map((g) => [g, BOARD_BUILD[g].map((f) => wireValue(f, configValue(config, f.path)))]));
}

export interface BuildMismatch {
  /** The devices.json field. */
  path: string;
  /** What the board reported (undefined: nothing). */
  board: string | undefined;
  expected: string;
}

/** The first field where the board's report differs from `config`, in table order. */
export function findBuildMismatch(
  config: DevicesConfig,
  reported: ReadonlyMap<string, readonly string[]>,
): BuildMismatch | undefined {
  for (const [group, values] of expectedBuild(config)) {
    const got = reported.get(group);
    for (const [i, expected] of values.entries()) {
      if (got?.[i] !== expected) return { path: BOARD_BUILD[group][i]!.path, board: got?.[i], expected };
    }
  }
  return undefined;
}
