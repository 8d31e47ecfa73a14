import { TimerHeap } from '../core/timer-heap.js';
import type { Clock, Timer } from '../environment/clock.js';

interface HeapTimer extends Timer {
  due: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
  /** Taken off the heap to fire: the only state in which it may be recycled. */
  fired: boolean;
}

const noop = (): void => undefined;

/** The least time between two batches, a fleet's `--tick` (see FleetClock). */
export const DEFAULT_TICK_MS = 10;

/**
 * One real-time clock for every home of a fleet, with one Node timer behind it: timers live in a
 * binary heap and fire in batches when due. Ten thousand homes reading their sensors every second
 * then cost one `setTimeout` re-arm per batch instead of one Timeout object per reading, and the clock
 * knows each timer's schedule, so a report can measure how late it went out (`firingDue`).
 *
 * Batches are about a tick (`tickMs`, 10 ms) apart, as a load generator's: with ten thousand homes'
 * timers spread over the period, firing each millisecond woke the thread a thousand times a second for
 * ten timers each, and every wake-up (the kernel's, the event loop's, a Timeout object) cost more than
 * the timers it fired. A timer then fires up to a tick late; its schedule does not drift (homes
 * re-arm from the due time), and the lateness is in what the fleet reports.
 */
export class FleetClock implements Clock {
  readonly speed = 1;
  readonly #origin: number;
  readonly #start: number;
  readonly #heap = new TimerHeap<HeapTimer>();
  #seq = 0;
  #handle: NodeJS.Timeout | undefined;
  #armedFor: number | undefined;
  #firingDue: number | undefined;
  #inBatch = false;
  #disposed = false;
  readonly #tickMs: number;
  /** When the last batch began (this clock's time); the next begins a tick later at the earliest. */
  #lastBatch = -Infinity;

  /** `origin`: the wall-clock time this clock starts at (default now); `tickMs`: 0 fires each timer when due. */
  constructor(o: { origin?: number; tickMs?: number | undefined } = {}) {
    this.#origin = o.origin ?? Date.now();
    this.#start = performance.now();
    this.#tickMs = o.tickMs ?? DEFAULT_TICK_MS;
  }

  now(): number {
    return this.#origin + (performance.now() - this.#start);
  }

  /** While a timer's callback runs: the time it was due; otherwise undefined. */
  get firingDue(): number | undefined {
    return this.#firingDue;
  }

  /** Timers waiting (cancelled ones may still be counted until they reach the top). */
  get pending(): number {
    return this.#heap.size;
  }

  /**
   * A fired timer given as `reuse` becomes the new one: a home's sensor timers re-arm themselves every
   * period, and a new object each time lived that period, long enough to be promoted, and died there
   * (a third of what a fleet's reports left for the old generation's collector).
   */
  setTimer(ms: number, fn: () => void, reuse?: Timer): Timer {
    const due = this.now() + Math.max(0, ms);
    const old = reuse as HeapTimer | undefined;
    let timer: HeapTimer;
    if (old?.fired && !old.cancelled) {
      timer = old;
      timer.due = due;
      timer.seq = this.#seq++;
      timer.fn = fn;
      timer.fired = false;
    } else timer = { due, seq: this.#seq++, fn, cancelled: false, fired: false };
    if (this.#disposed) return timer;
    this.#heap.push(timer);
    // While a batch fires, the clock re-arms once at its end, not once per timer a callback sets.
    if (!this.#inBatch) this.#arm(timer.due);
    return timer;
  }

  clearTimer(timer: Timer | undefined): void {
    if (!timer) return;
    const t = timer as HeapTimer;
    t.cancelled = true;
    // Let the closure (and the home it holds) go now, not when the entry reaches the top of the heap.
    t.fn = noop;
  }

  /** Drops every timer and the Node timer (the fleet has stopped). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#armedFor = undefined;
    this.#heap.clear();
  }

  #arm(due: number): void {
    const at = Math.max(due, this.#lastBatch + this.#tickMs);
    if (this.#armedFor !== undefined && at >= this.#armedFor) return; // armed for then already
    clearTimeout(this.#handle);
    this.#armedFor = at;
    this.#handle = setTimeout(() => this.#fire(), Math.max(0, at - this.now()));
  }

  #fire(): void {
    this.#handle = undefined;
    this.#armedFor = undefined;
    this.#lastBatch = this.now();
    // Only timers that existed when the batch began: a callback that sets a 0 ms timer cannot spin here.
    const lastSeq = this.#seq;
    let failure: unknown;
    let failed = false;
    this.#inBatch = true;
    for (;;) {
      const top = this.#heap.peek();
      if (!top || top.seq >= lastSeq || top.due > this.now()) break;
      this.#heap.pop();
      top.fired = true;
      this.#firingDue = top.due;
      try {
        top.fn();
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
      this.#firingDue = undefined;
    }
    this.#inBatch = false;
    const next = this.#nextDue();
    if (next !== undefined && !this.#disposed) this.#arm(next);
    // As with a plain setTimeout callback, a throwing timer is an uncaught exception, but only after
    // every other due timer has run and the clock is armed again.
    if (failed) throw failure;
  }

  #nextDue(): number | undefined {
    return this.#heap.peek()?.due;
  }
}
