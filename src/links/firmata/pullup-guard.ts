import type { Firmata } from 'firmata-io';

/**
 * Keeps input pull-ups on while outputs on the same port change.
 *
 * StandardFirmata 2.4 has no INPUT_PULLUP mode: a pull-up is an INPUT pin written high, and a digital
 * write sends a whole 8-pin port, INPUT pins included. firmata-io keeps the port byte to send and
 * overwrites an input's bit with the level it last read, so writing the gas valve (D8) while the
 * window contact (D10) reads low (window closed) would switch the contact's pull-up off; the pin
 * would then float and never read "open" again. Every digital write therefore goes through here and
 * sets the pull-up bits first.
 */
export class PullupGuard {
  readonly #pins = new Set<number>();

  constructor(readonly io: Firmata) {}

  /** Makes `pin` an input with its pull-up on. */
  input(pin: number): void {
    this.io.pinMode(pin, this.io.MODES.INPUT);
    this.#pins.add(pin);
    this.digitalWrite(pin, true);
  }

  /** Marks a pin someone else (johnny-five's Button) set up as a pull-up input. */
  track(pin: number): void {
    this.#pins.add(pin);
  }

  digitalWrite(pin: number, high: boolean): void {
    const port = pin >> 3;
    for (const p of this.#pins) {
      if (p >> 3 === port) this.io.ports[port]! |= 1 << (p & 7);
    }
    this.io.digitalWrite(pin, high ? this.io.HIGH : this.io.LOW);
  }
}
