import type { Environment } from '../environment/room.js';
import type { ButtonName, Outputs } from '../home/types.js';
import type { Link } from './link.js';

/**
 * The physical world around a device, for links that have one they can control: the emulated home (its
 * room and buttons are in-process) and the firmware link (the environment is wired to the emulated
 * board's pins). A real board on a serial port has none: nobody can press its buttons from software.
 *
 * This is optional and separate from the Link contract: a link offers it as a `physical` property.
 * The test harness (src/harness/) drives it; the bridge never does.
 */
export interface ConditionsPatch {
  /** °C; the room evolves from this value on. */
  indoorTemperature?: number | undefined;
  /** % RH; the room evolves from this value on. */
  indoorHumidity?: number | undefined;
  /** °C, held until changed (instead of the daily cycle). */
  outdoorTemperature?: number | undefined;
  /** % RH, held until changed. */
  outdoorHumidity?: number | undefined;
  /** Held until changed (instead of seeded rain episodes). */
  raining?: boolean | undefined;
}

export interface PhysicalAccess {
  /** Puts the room in the given conditions now; unnamed values are left alone. */
  setConditions(conditions: ConditionsPatch): void;
  /** A button goes down (and stays down until `release`). */
  press(button: ButtonName): void;
  release(button: ButtonName): void;
  /** Someone pushes the window fully open or closed by hand. */
  pushWindow(open: boolean): void;
  /** What the output pins show now. */
  outputs(): Outputs;
}

/** A link that offers physical access. */
export interface WithPhysicalAccess {
  readonly physical: PhysicalAccess;
}

export function hasPhysicalAccess(link: Link): link is Link & WithPhysicalAccess {
  const p = (link as Partial<WithPhysicalAccess>).physical;
  return typeof p === 'object' && p !== null && typeof p.setConditions === 'function';
}

/** The physical access a link offers, if any. */
export function physicalAccessOf(link: Link): PhysicalAccess | undefined {
  return hasPhysicalAccess(link) ? link.physical : undefined;
}

/**
 * Puts a room in the given conditions at time `t` (the link clock's now, so a change lands exactly
 * when the test made it); unnamed values are left alone.
 */
export function applyConditions(environment: Environment, t: number, c: ConditionsPatch): void {
  if (c.indoorTemperature !== undefined || c.indoorHumidity !== undefined) {
    environment.setIndoor(t, { temperature: c.indoorTemperature, humidity: c.indoorHumidity });
  }
  const overrides = {
    ...(c.outdoorTemperature !== undefined ? { outdoorTemperature: c.outdoorTemperature } : {}),
    ...(c.outdoorHumidity !== undefined ? { outdoorHumidity: c.outdoorHumidity } : {}),
    ...(c.raining !== undefined ? { raining: c.raining } : {}),
  };
  if (Object.keys(overrides).length > 0) environment.setOverrides(t, overrides);
}
