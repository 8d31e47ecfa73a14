import type { Clock, Timer } from '../environment/clock.js';
import { CYCLES_PER_MS, type Board, type ClockEvent } from './board.js';

interface BoardTimer extends Timer {
  readonly event: ClockEvent;
}

/**
 * Time as the emulated board sees it: simulated ms from its cycle counter (monotonic across resets),
 * offset by `origin` so that times line up with the caller's clock. Timers are board clock events: they
 * fire at their exact cycle, inside the board's run, and only while it runs — a stopped board stops
 * time. `speed` is the pacing the board runs at (1 = real time, Infinity = unpaced).
 */
export class BoardClock implements Clock {
  constructor(
    readonly board: Board,
    readonly origin = 0,
    readonly pacing: () => number = () => board.runner.speed,
  ) {}

  get speed(): number {
    return this.pacing();
  }

  now(): number {
    return this.origin + this.board.cycles / CYCLES_PER_MS;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const delay = Math.max(0, ms);
    const timer: BoardTimer = { due: this.now() + delay, event: this.board.addClockEvent(fn, delay * CYCLES_PER_MS) };
    return timer;
  }

  clearTimer(timer: Timer | undefined): void {
    if (timer) this.board.clearClockEvent((timer as BoardTimer).event);
  }
}
