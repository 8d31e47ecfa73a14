export interface WindowGeometry {
  closedDeg: number;
  openDeg: number;
}

/** A servo whose pulse width changed within this much board time is travelling (pulses come every 20 ms). */
const TRAVELLING_MS = 50;

/**
 * The window itself, outside the board: it follows the servo's pulses, and a hand can push it to
 * either end while the servo holds still — then it stays where it was pushed until the servo next
 * moves (the same physical model as src/home/window.ts). The contact reads open whenever the window's
 * angle is more than the closed angle (docs/home-behaviour.md §3.1).
 */
export class WindowModel {
  #servoDeg: number;
  #pushedTo: number | undefined;
  #lastMoveMs = -Infinity;

  /**
   * @param now board time in ms
   * @param onChange called whenever the window's angle changes
   */
  constructor(
    readonly geometry: WindowGeometry,
    readonly now: () => number,
    readonly onChange: () => void,
  ) {
    this.#servoDeg = geometry.closedDeg;
  }

  /** The window's angle in whole degrees. */
  angle(): number {
    return this.#pushedTo ?? this.#servoDeg;
  }

  contactOpen(): boolean {
    return this.angle() > this.geometry.closedDeg;
  }

  /** The servo is moving (its pulses changed very recently); a hand cannot push it then. */
  get travelling(): boolean {
    return this.now() - this.#lastMoveMs < TRAVELLING_MS;
  }

  /** A servo pulse was measured; a new angle moves the window with it. */
  servo(deg: number): void {
    const rounded = Math.round(deg);
    if (rounded === this.#servoDeg) return;
    const before = this.angle();
    this.#servoDeg = rounded;
    this.#pushedTo = undefined;
    this.#lastMoveMs = this.now();
    if (this.angle() !== before) this.onChange();
  }

  /** Someone pushes the window fully open or closed; ignored while the servo travels. Returns whether it moved. */
  push(open: boolean): boolean {
    if (this.travelling) return false;
    const before = this.angle();
    this.#pushedTo = open ? this.geometry.openDeg : this.geometry.closedDeg;
    if (this.angle() === before) return false;
    this.onChange();
    return true;
  }
}
