import { TimerHeap } from '../core/timer-heap.js';

/**
 * Time, injected. Everything time-based reads a Clock; nothing calls Date.now() directly. Times are
 * milliseconds on the clock's own timeline (virtual clocks start wherever they are told to).
 */
export interface Timer {
  readonly due: number;
}

export interface Clock {
  /** Current time in ms. */
  now(): number;
  /**
   * Calls `fn` once, `ms` of clock time from now. `reuse`: a timer of this clock that has fired (its
   * callback may be the one running), which the caller gives up; a clock may recycle it as the new one.
   */
  setTimer(ms: number, fn: () => void, reuse?: Timer): Timer;
  clearTimer(timer: Timer | undefined): void;
  /** Clock-time ms per wall-clock ms (1 = real time). Infinity for a stepped virtual clock. */
  readonly speed: number;
}

interface RealTimer extends Timer {
  handle: NodeJS.Timeout;
}

/** Wall-clock time, optionally scaled: `speed: 60` runs an hour a minute. */
export class RealClock implements Clock {
  readonly #origin: number;
  readonly #start: number;
  constructor(
    readonly speed = 1,
    origin = Date.now(),
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.#origin = origin;
    this.#start = performance.now();
  }
  now(): number {
    return this.#origin + (performance.now() - this.#start) * this.speed;
  }
  setTimer(ms: number, fn: () => void): Timer {
    const delay = Math.max(0, ms) / this.speed;
    const timer: RealTimer = { due: this.now() + ms, handle: setTimeout(fn, delay) };
    return timer;
  }
  clearTimer(timer: Timer | undefined): void {
    if (timer) clearTimeout((timer as RealTimer).handle);
  }
}

interface VirtualTimer extends Timer {
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * Stepped virtual time for tests and simulations: nothing happens until `advance()` moves time on,
 * firing due timers in order (ties in the order they were set).
 */
export class VirtualClock implements Clock {
  readonly speed = Infinity;
  #now: number;
  #seq = 0;
  readonly #heap = new TimerHeap<VirtualTimer>();

  constructor(start = 0) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  setTimer(ms: number, fn: () => void): Timer {
    const timer: VirtualTimer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#heap.push(timer);
    return timer;
  }
  clearTimer(timer: Timer | undefined): void {
    if (timer) (timer as VirtualTimer).cancelled = true;
  }
  /** Time of the next pending timer, or undefined. */
  nextDue(): number | undefined {
    return this.#heap.peek()?.due;
  }
  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }
  advanceTo(t: number): void {
    for (;;) {
      const next = this.#heap.peek();
      if (!next || next.due > t) break;
      this.#heap.pop();
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = Math.max(this.#now, t);
  }
}
