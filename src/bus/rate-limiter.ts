/** A token bucket: at most `perSecond` events per second on average, bursts up to `perSecond`. */
export class RateLimiter {
  #tokens: number;
  #last: number;
  suppressed = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number,
  ) {
    this.#tokens = perSecond;
    this.#last = now();
  }

  /** True if the event may go out now; otherwise it is counted as suppressed. */
  take(): boolean {
    const t = this.now();
    this.#tokens = Math.min(this.perSecond, this.#tokens + ((t - this.#last) / 1000) * this.perSecond);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    this.suppressed++;
    return false;
  }
}
