import type { DevicesConfig } from '../../config/schema.js';
import type { Clock, Timer } from '../../environment/clock.js';
import type { Home } from '../../home/home.js';
import type { Outputs } from '../../home/types.js';

/** The home's own tick (docs/home-behaviour.md §3): pins follow window travel and light effects at it. */
export const OUTPUT_TICK_MS = 10;

/**
 * Keeps the pins on the home's outputs while running: at once on every change the home announces,
 * and every tick while something moves on its own (the window travelling towards where the status
 * says, a light effect), since the home times those on the host. Writes that change nothing are left
 * to the writer to skip.
 */
export class OutputFollower {
  #running = false;
  #tick: Timer | undefined;

  constructor(
    readonly home: Home,
    readonly clock: Clock,
    readonly window: DevicesConfig['appliances']['window'],
    readonly write: (outputs: Outputs) => void,
  ) {}

  start(): void {
    this.#running = true;
    this.sync();
  }

  stop(): void {
    this.#running = false;
    this.clock.clearTimer(this.#tick);
    this.#tick = undefined;
  }

  sync(): void {
    if (!this.#running) return;
    this.write(this.home.outputs());
    if (this.#tick === undefined && this.#animating()) {
      this.#tick = this.clock.setTimer(OUTPUT_TICK_MS, () => {
        this.#tick = undefined;
        this.sync();
      });
    }
  }

  /** The window is not yet where the status says, or a light effect runs. */
  #animating(): boolean {
    const s = this.home.status;
    const target = s[7] === '1' ? this.window.openDeg : this.window.closedDeg;
    return this.home.outputs().windowAngle !== target || (s[3] === '1' && s[6] !== '0');
  }
}
