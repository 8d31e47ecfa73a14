import type { Clock, Timer } from '../environment/clock.js';

export interface WindowGeometry {
  closedDeg: number;
  openDeg: number;
  msPerDegree: number;
}

/**
 * The window servo and the window itself: the servo travels one degree per `msPerDegree`; when idle
 * it is unpowered, so a hand can push the window to either end (docs/home-behaviour.md §3.1–3.2).
 */
export class WindowServo {
  #from: number;
  #to: number;
  #t0: number;
  #timer: Timer | undefined;
  /** Where a hand put the window, until the servo next moves. */
  #pushedTo: number | undefined;

  constructor(
    private readonly geometry: WindowGeometry,
    private readonly clock: Clock,
    open: boolean,
    private readonly onTravelEnd: () => void,
  ) {
    this.#from = this.#to = open ? geometry.openDeg : geometry.closedDeg;
    this.#t0 = clock.now();
  }

  get moving(): boolean {
    return this.#timer !== undefined;
  }

  /** The servo's angle now. */
  servoAngle(): number {
    const span = Math.abs(this.#to - this.#from);
    const done = Math.min(span, Math.floor((this.clock.now() - this.#t0) / this.geometry.msPerDegree));
    return this.#from + Math.sign(this.#to - this.#from) * done;
  }

  /** The window's real angle: the servo's, unless a hand pushed it since the servo last moved. */
  physicalAngle(): number {
    return this.#pushedTo ?? this.servoAngle();
  }

  contactOpen(): boolean {
    return this.physicalAngle() !== this.geometry.closedDeg;
  }

  /**
   * Starts travel to an end from the window's current angle (reversing if already travelling). A hand
   * that pushed the window turned the servo's shaft with it, so travel starts where the window is.
   */
  driveTo(open: boolean): void {
    const target = open ? this.geometry.openDeg : this.geometry.closedDeg;
    const from = this.physicalAngle();
    this.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#from = from;
    this.#to = target;
    this.#t0 = this.clock.now();
    if (from === target) return;
    this.#pushedTo = undefined;
    this.#timer = this.clock.setTimer(Math.abs(target - from) * this.geometry.msPerDegree, () => {
      this.#timer = undefined;
      this.#from = target;
      this.onTravelEnd();
    });
  }

  push(open: boolean): void {
    this.#pushedTo = open ? this.geometry.openDeg : this.geometry.closedDeg;
  }

  /** The status has followed the contact: the servo is taken to be where the window is. */
  settle(open: boolean): void {
    this.#from = this.#to = open ? this.geometry.openDeg : this.geometry.closedDeg;
    this.#t0 = this.clock.now();
    this.#pushedTo = undefined;
  }

  stop(): void {
    this.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
