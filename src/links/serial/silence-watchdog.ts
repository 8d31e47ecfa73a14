import type { Clock, Timer } from '../../environment/clock.js';

/**
 * Fires once when nothing was heard for `silenceMs`. `heard()` is cheap (it only stores the time):
 * the timer is re-armed for the remaining time when it fires early, not on every line.
 */
export class SilenceWatchdog {
  readonly #clock: Clock;
  readonly #silenceMs: number;
  readonly #onSilence: (silentMs: number) => void;
  #lastHeard = 0;
  #timer: Timer | undefined;

  constructor(clock: Clock, silenceMs: number, onSilence: (silentMs: number) => void) {
    this.#clock = clock;
    this.#silenceMs = silenceMs;
    this.#onSilence = onSilence;
  }

  start(): void {
    this.stop();
    this.#lastHeard = this.#clock.now();
    this.#arm(this.#silenceMs);
  }

  heard(): void {
    this.#lastHeard = this.#clock.now();
  }

  stop(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimer(ms, () => {
      this.#timer = undefined;
      const silentMs = this.#clock.now() - this.#lastHeard;
      if (silentMs < this.#silenceMs) this.#arm(this.#silenceMs - silentMs);
      else this.#onSilence(silentMs);
    });
  }
}
