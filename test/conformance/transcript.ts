import { expect } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import type { HomeEvent, StatusCause } from '../../src/home/types.js';
import type { Link } from '../../src/links/link.js';

/** What `apply` gave: the acknowledged status, or the error's code and context. */
export type Applied =
  | { command: string; status: string }
  | { command: string; error: string; context: Record<string, unknown> };

/** Everything a link said during a scenario, by kind, with device time where it matters. */
export class Transcript {
  readonly statuses: { status: string; cause: StatusCause; time: number }[] = [];
  readonly events: HomeEvent[] = [];
  readonly climate: { temperature: number; humidity: number; time: number }[] = [];
  readonly rain: { raining: boolean; time: number }[] = [];
  readonly errors: { code: string; message: string }[] = [];
  readonly applied: Applied[] = [];

  constructor(
    link: Link,
    readonly now: () => number,
  ) {
    link.on('status', (r) => this.statuses.push({ status: r.status, cause: r.cause, time: now() }));
    link.on('event', (e) => this.events.push(e));
    link.on('sensor', (r) => {
      if (r.sensor === 'climate') this.climate.push({ temperature: r.temperature, humidity: r.humidity, time: now() });
      else this.rain.push({ raining: r.raining, time: now() });
    });
    link.on('error', (e) => this.errors.push({ code: e.code, message: e.message }));
  }

  /** Records the outcome of one apply. */
  recordApply(command: string, outcome: { status?: string; error?: unknown }): void {
    if (outcome.status !== undefined) this.applied.push({ command, status: outcome.status });
    else if (isBridgeError(outcome.error))
      this.applied.push({ command, error: outcome.error.code, context: { ...outcome.error.context } });
    else throw outcome.error;
  }

  /** Status reports as `cause status` lines, the simplest thing to compare and read in a diff. */
  statusLines(): string[] {
    return this.statuses.map((s) => `${s.cause} ${s.status}`);
  }
  eventLines(): string[] {
    return this.events.map((e) =>
      e.event === 'button' ? `button ${e.button}` : `window ${e.open ? 'open' : 'closed'}`,
    );
  }
}

/**
 * How far a sensor reading may differ between two implementations of the home reading the same room:
 * one DHT11 quantum. Both quantize the same seeded room with `dht11Reading`, but not at the same instant
 * nor on the same integration grid (the sketch's reading lands about 10 ms after the emulated home's
 * tick, the firmware's room is advanced every 10 ms and learns the air-con power from the measured fan
 * PWM up to 10 ms later). That moves the true value by far less than 0.01 °C, yet a value sitting on a
 * rounding boundary can come out one quantum apart.
 */
export const CLIMATE_TOLERANCE = { temperature: 0.1, humidity: 1 } as const;

/**
 * Demands that `actual` says what `reference` says: the same status reports (status and cause), events,
 * command outcomes, link errors and rain readings, and climate readings within one DHT11 quantum. Sensor
 * readings are compared up to `horizonMs` of device time (the runs may overshoot their end differently).
 */
export function expectConformant(actual: Transcript, reference: Transcript, horizonMs: number): void {
  expect(actual.applied).toEqual(reference.applied);
  expect(actual.statusLines()).toEqual(reference.statusLines());
  expect(actual.eventLines()).toEqual(reference.eventLines());
  expect(actual.errors.map((e) => e.code)).toEqual(reference.errors.map((e) => e.code));
  const upTo = <T extends { time: number }>(xs: T[]) => xs.filter((x) => x.time <= horizonMs);
  expect(upTo(actual.rain).map((r) => r.raining)).toEqual(upTo(reference.rain).map((r) => r.raining));
  const a = upTo(actual.climate);
  const r = upTo(reference.climate);
  expect(a.length).toBe(r.length);
  const off = a
    .map((x, i) => ({ i, dt: Math.abs(x.temperature - r[i]!.temperature), dh: Math.abs(x.humidity - r[i]!.humidity) }))
    .filter((d) => d.dt > CLIMATE_TOLERANCE.temperature + 1e-9 || d.dh > CLIMATE_TOLERANCE.humidity);
  expect(off, 'climate readings further apart than one DHT11 quantum').toEqual([]);
}
