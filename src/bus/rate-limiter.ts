import type { Clock } from '../environment/clock.js';

/**
 * At most `perSecond` events in any window of one second (a sliding window, so no burst at a window
 * edge can double the rate): a flood of bad input cannot turn into a flood of reports on the bus.
 */
export class RateLimiter {
  /**
   * Times of the last `perSecond` events let through, as a ring; made on the first event: every
   * bridge has two limiters, and most of a fleet's bridges never report an error.
   */
  #times: Float64Array | undefined;
  #next = 0;
  #filled = 0;
  suppressed = 0;

  /** `clock` is read at every event (an object, not a closure: one less allocation per limiter). */
  constructor(
    readonly perSecond: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    if (!(perSecond >= 1) || !Number.isInteger(perSecond))
      throw new RangeError(`perSecond must be a positive integer, got ${perSecond}`);
  }

  /** True if the event may go out now; otherwise it is counted as suppressed. */
  take(): boolean {
    const t = this.clock.now();
    this.#times ??= new Float64Array(this.perSecond);
    const times = this.#times;
    // The slot to reuse holds the oldest of the last perSecond events.
    if (this.#filled === this.perSecond && t - times[this.#next]! < 1000) {
      this.suppressed++;
      return false;
    }
    times[this.#next] = t;
    this.#next = (this.#next + 1) % this.perSecond;
    if (this.#filled < this.perSecond) this.#filled++;
    return true;
  }
}
