import { CYCLES_PER_MS, type Board } from '../board.js';

export interface PwmOptions {
  pin: number;
  /**
   * Without an edge for this long (simulated ms), or for two periods, the pin counts as constant:
   * duty 255 high, 0 low (analogWrite 0/255 are plain digitalWrites). Default 5 ms (the slowest
   * Uno PWM, Timer2 phase-correct, has a 2.04 ms period).
   */
  idleMs?: number;
}

/**
 * Measures PWM on one pin from its pin changes: the duty (0–255) and frequency of the last complete
 * period (rising edge to rising edge). The duty is high/period × 255, within ±1 of the analogWrite
 * value for both Timer0 fast PWM (D5/D6, 976.6 Hz, high for (v+1)/256) and Timer2 phase-correct PWM
 * (D3/D11, 490.2 Hz, high for v/255), once one full period has passed.
 */
export class PwmMeter {
  readonly #off: () => void;
  readonly #idleCycles: number;
  #lastRise: number | undefined;
  #lastFall: number | undefined;
  #lastEdge: number;
  #level: boolean;
  #period: number | undefined;
  #high = 0;

  constructor(
    readonly board: Board,
    readonly options: PwmOptions,
  ) {
    this.#idleCycles = (options.idleMs ?? 5) * CYCLES_PER_MS;
    this.#lastEdge = board.cycles;
    this.#level = board.pinLevel(options.pin);
    this.#off = board.onPinChange((pin, high, cycles) => {
      if (pin === options.pin) this.#edge(high, cycles);
    });
  }

  /** Duty 0–255 of the last period, or 0/255 while the pin is constant. */
  duty(): number {
    if (this.#constant()) return this.#level ? 255 : 0;
    return Math.round((this.#high / this.#period!) * 255);
  }

  /** Frequency of the last period in Hz, or undefined while the pin is constant. */
  frequency(): number | undefined {
    return this.#constant() ? undefined : (CYCLES_PER_MS * 1000) / this.#period!;
  }

  detach(): void {
    this.#off();
  }

  #constant(): boolean {
    if (this.#period === undefined) return true;
    const quiet = this.board.cycles - this.#lastEdge;
    return quiet > Math.max(this.#idleCycles, 2 * this.#period);
  }

  #edge(high: boolean, cycles: number): void {
    this.#level = high;
    this.#lastEdge = cycles;
    if (!high) {
      this.#lastFall = cycles;
      return;
    }
    const rise = this.#lastRise;
    // A period spans rise → fall → rise without an idle gap (a gap means the PWM restarted).
    if (
      rise !== undefined &&
      this.#lastFall !== undefined &&
      this.#lastFall > rise &&
      cycles - rise <= this.#idleCycles
    ) {
      this.#period = cycles - rise;
      this.#high = this.#lastFall - rise;
    }
    this.#lastRise = cycles;
  }
}
