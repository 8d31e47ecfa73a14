/**
 * At most `perSecond` events in any window of one second (a sliding window, so no burst at a window
 * edge can double the rate): a flood of bad input cannot turn into a flood of reports on the bus.
 */
export class RateLimiter {
  /** Times of the last `perSecond` events let through, as a ring. */
  readonly #times: Float64Array;
  #next = 0;
  #filled = 0;
  suppressed = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number,
  ) {
    if (!(perSecond >= 1) || !Number.isInteger(perSecond))
      throw new RangeError(`perSecond must be a positive integer, got ${perSecond}`);
    this.#times = new Float64Array(perSecond);
  }

  /** True if the event may go out now; otherwise it is counted as suppressed. */
  take(): boolean {
    const t = this.now();
    // The slot to reuse holds the oldest of the last perSecond events.
    if (this.#filled === this.perSecond && t - this.#times[this.#next]! < 1000) {
      this.suppressed++;
      return false;
    }
    this.#times[this.#next] = t;
    this.#next = (this.#next + 1) % this.perSecond;
    if (this.#filled < this.perSecond) this.#filled++;
    return true;
  }
}
