import { PinState, type AVRIOPort } from 'avr8js';
import { PIN_COUNT, pinLocation, pinNumber, type PortName } from './pins.js';

export type PinChangeListener = (pin: number, high: boolean, cycles: number) => void;
export type UnoPorts = Record<PortName, AVRIOPort>;

/**
 * The Uno's 20 pins as electrical levels. An output is what the firmware drives; an input is what is
 * driven from outside (`drive`), or, when nothing drives it, high with the internal pull-up and low
 * without one (avr8js leaves undriven inputs low, so the bank applies the pull-up itself). Outside
 * levels survive `attach` to the ports of a new boot.
 */
export class PinBank {
  #ports: UnoPorts | undefined;
  readonly #levels = new Array<boolean>(PIN_COUNT).fill(false);
  readonly #external = new Array<boolean | undefined>(PIN_COUNT).fill(undefined);
  readonly #listeners = new Set<PinChangeListener>();

  /** @param cycles the clock stamped on change events */
  constructor(readonly cycles: () => number) {}

  attach(ports: UnoPorts): void {
    this.#ports = ports;
    for (const name of ['B', 'C', 'D'] as const) {
      ports[name].addListener(() => this.#refresh(name));
      this.#refresh(name);
    }
  }

  /** Drives a pin from outside (true = high), or stops driving it (undefined). */
  drive(pin: number, high: boolean | undefined): void {
    const { port } = pinLocation(pin);
    this.#external[pin] = high;
    this.#refresh(port);
  }
  state(pin: number): PinState {
    const { port, bit } = pinLocation(pin);
    return this.#port(port).pinState(bit);
  }
  level(pin: number): boolean {
    pinLocation(pin);
    return this.#levels[pin]!;
  }
  onChange(listener: PinChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #port(name: PortName): AVRIOPort {
    if (!this.#ports) throw new Error('pin bank is not attached to ports');
    return this.#ports[name];
  }

  /** Recomputes one port's levels, feeds outside/pull-up levels to its inputs, emits changes. */
  #refresh(name: PortName): void {
    const port = this.#port(name);
    for (let bit = 0; bit < 8; bit++) {
      const pin = pinNumber(name, bit);
      if (pin === undefined) continue;
      const state = port.pinState(bit);
      let level: boolean;
      if (state === PinState.High || state === PinState.Low) level = state === PinState.High;
      else {
        level = this.#external[pin] ?? state === PinState.InputPullUp;
        port.setPin(bit, level);
      }
      if (level !== this.#levels[pin]) {
        this.#levels[pin] = level;
        const cycles = this.cycles();
        for (const fn of this.#listeners) fn(pin, level, cycles);
      }
    }
  }
}
