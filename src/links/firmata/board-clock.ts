import type { Clock, Timer } from '../../environment/clock.js';
import { CYCLES_PER_MS, type Board, type ClockEvent } from '../firmware/board.js';

interface BoardTimer extends Timer {
  readonly event: ClockEvent;
}

/**
 * The emulated board's simulated time as a Clock: `now()` follows the board's cycle counter and timers
 * are board clock events. A host-side home on this clock keeps time with the board exactly, however
 * fast the host runs the board (unpaced tests run it about 3× real time): a button held for 1 s of
 * simulated time is 1 s to the home too. Timers fire inside `board.step()`, at their cycle.
 */
export class BoardClock implements Clock {
  constructor(
    readonly board: Board,
    /** Clock time at board cycle 0 (ms). */
    readonly origin = 0,
  ) {}

  /** Simulated ms per wall ms as the board is run: Infinity unpaced, 1 real-time paced. */
  get speed(): number {
    return this.board.runner.speed;
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
