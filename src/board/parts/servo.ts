import { CYCLES_PER_MS, type Board } from '../board.js';

export interface ServoRange {
  /** Pulse width at 0°, µs. */
  minUs: number;
  /** Pulse width at 180°, µs. */
  maxUs: number;
}

/** The Arduino Servo library's default range (and the project firmware's Timer1 servo). */
export const SERVO_RANGE_ARDUINO: ServoRange = { minUs: 544, maxUs: 2400 };
/** johnny-five's default servo range. */
export const SERVO_RANGE_JOHNNY_FIVE: ServoRange = { minUs: 600, maxUs: 2400 };

export interface ServoOptions {
  pin: number;
  range?: ServoRange;
}

const US = CYCLES_PER_MS / 1000;

/** Pulse width → angle, linear over the range, clamped to 0–180°. */
export function servoAngle(pulseUs: number, range: ServoRange = SERVO_RANGE_ARDUINO): number {
  const deg = ((pulseUs - range.minUs) / (range.maxUs - range.minUs)) * 180;
  return Math.min(Math.max(deg, 0), 180);
}

/**
 * A hobby servo on one pin: measures each pulse (rising to falling edge, from the cycle counts of the
 * pin changes) and converts it to an angle.
 */
export class Servo {
  /** Width of the last complete pulse, µs. */
  pulseUs: number | undefined;
  /** Pulses measured so far. */
  pulses = 0;
  readonly range: ServoRange;
  readonly #off: () => void;
  readonly #listeners = new Set<(pulseUs: number, angle: number) => void>();
  #rise: number | undefined;

  constructor(
    readonly board: Board,
    options: ServoOptions,
  ) {
    this.range = options.range ?? SERVO_RANGE_ARDUINO;
    this.#off = board.onPinChange((pin, high, cycles) => {
      if (pin !== options.pin) return;
      if (high) this.#rise = cycles;
      else if (this.#rise !== undefined) this.#pulse((cycles - this.#rise) / US);
    });
  }

  /** Angle of the last pulse, 0–180°, or undefined before the first. */
  get angle(): number | undefined {
    return this.pulseUs === undefined ? undefined : servoAngle(this.pulseUs, this.range);
  }

  onPulse(fn: (pulseUs: number, angle: number) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  detach(): void {
    this.#off();
    this.#listeners.clear();
  }

  #pulse(us: number): void {
    this.#rise = undefined;
    this.pulseUs = us;
    this.pulses++;
    const angle = servoAngle(us, this.range);
    for (const fn of this.#listeners) fn(us, angle);
  }
}
