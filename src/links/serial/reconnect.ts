import type { Clock, Timer } from '../../environment/clock.js';

/** Exponential backoff, bounded: initial, ×2 per failure, capped at max; reset after a success. */
export class Backoff {
  #next: number;
  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {
    if (!(initialMs > 0) || !(maxMs >= initialMs))
      throw new RangeError(`backoff needs 0 < initial ≤ max, got ${initialMs}, ${maxMs}`);
    this.#next = initialMs;
  }
  /** The delay to wait now; the one after it doubles. */
  next(): number {
    const delay = this.#next;
    this.#next = Math.min(this.maxMs, this.#next * 2);
    return delay;
  }
  reset(): void {
    this.#next = this.initialMs;
  }
}

export interface ReopenerOptions {
  clock: Clock;
  backoff: Backoff;
  /** One try; resolves when the device is back, rejects to be tried again later. */
  attempt: () => Promise<void>;
  onFailure: (error: unknown, attempts: number) => void;
}

/**
 * Retries `attempt` with backoff until it succeeds or `cancel()` is called. One loop at a time:
 * `start()` while running does nothing.
 */
export class Reopener {
  readonly #o: ReopenerOptions;
  #timer: Timer | undefined;
  #running = false;
  #attempts = 0;

  constructor(options: ReopenerOptions) {
    this.#o = options;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#attempts = 0;
    this.#schedule();
  }

  cancel(): void {
    this.#running = false;
    this.#o.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = this.#o.clock.setTimer(this.#o.backoff.next(), () => {
      this.#timer = undefined;
      void this.#try();
    });
  }

  async #try(): Promise<void> {
    if (!this.#running) return;
    this.#attempts++;
    try {
      await this.#o.attempt();
      if (!this.#running) return;
      this.#running = false;
      this.#o.backoff.reset();
    } catch (e) {
      if (!this.#running) return;
      this.#o.onFailure(e, this.#attempts);
      this.#schedule();
    }
  }
}
