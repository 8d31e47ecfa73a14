import five from 'johnny-five';
import type { Firmata } from 'firmata-io';
import { BUTTONS, type ButtonName } from '../../home/types.js';
import { pinName, type FirmataPinMap } from './firmata-pins.js';
import { hih4030Humidity } from './hih4030.js';
import type { PullupGuard } from './pullup-guard.js';

export type FirmataInput =
  | { input: 'button'; button: ButtonName; down: boolean }
  | { input: 'contact'; open: boolean }
  | { input: 'rain'; raining: boolean };

/** Button internals johnny-five has but its types leave out. */
interface ButtonState {
  readonly isDown: boolean;
  readonly upValue: number;
}

/**
 * The board's inputs through johnny-five: the three buttons (`Button`, pull-up, active low), the window
 * contact and the rain sensor (digital, pull-up), the temperature (`Thermometer` with the configured
 * controller) and the HIH-4030 humidity (an analog `Sensor`). Button, contact and rain changes are
 * passed on as they arrive (each once at start, with the level the board first reports); climate values
 * are read on demand, from the latest analog reports.
 *
 * The Thermometer and Sensor are created disabled: their event intervals are not needed (the home reads
 * on its own period) and would keep the process alive.
 */
export class FirmataInputs {
  readonly #buttons = new Map<ButtonName, five.Button>();
  readonly #thermometer: five.Thermometer;
  readonly #humidity: five.Sensor;
  #temperatureSeen = false;
  #closed = false;
  raining: boolean | undefined;
  contactOpen: boolean | undefined;

  constructor(
    readonly board: five.Board,
    readonly io: Firmata,
    readonly pins: FirmataPinMap,
    guard: PullupGuard,
    readonly onInput: (input: FirmataInput) => void,
  ) {
    for (const button of BUTTONS) {
      const pin = pins.buttons[button];
      const b = new five.Button({ pin, board, isPullup: true });
      guard.track(pin);
      b.on('down', () => this.#emit({ input: 'button', button, down: true }));
      b.on('up', () => this.#emit({ input: 'button', button, down: false }));
      this.#buttons.set(button, b);
    }
    this.#digital(guard, pins.contact, (high) => {
      if (this.contactOpen === high) return;
      this.contactOpen = high;
      this.#emit({ input: 'contact', open: high });
    });
    this.#digital(guard, pins.rain, (high) => {
      const raining = pins.rainActiveLow ? !high : high;
      if (this.raining === raining) return;
      this.raining = raining;
      this.#emit({ input: 'rain', raining });
    });
    const t = pins.temperature;
    // Analog parts take johnny-five's "A0" names: a bare 14 would be read as analog channel 14.
    this.#thermometer = new five.Thermometer({
      controller: t.controller,
      pin: pinName(t.pin),
      board,
      enabled: false,
    } as five.ThermometerOption);
    // The Thermometer reads -50 °C (TMP36) before its first report; this says whether one came.
    io.analogRead(t.channel, () => (this.#temperatureSeen = true));
    this.#humidity = new five.Sensor({ pin: pinName(pins.humidity.pin), board, enabled: false });
  }

  /** Latest temperature (°C, johnny-five's whole degrees) and humidity (% RH), once both reported. */
  climate(): { temperature: number; humidity: number } | undefined {
    const raw = this.#humidity.raw as number | null;
    if (!this.#temperatureSeen || raw === null) return undefined;
    const temperature = this.#thermometer.celsius;
    const resolution = (this.board as unknown as { RESOLUTION?: { ADC?: number } }).RESOLUTION?.ADC ?? 1023;
    return { temperature, humidity: hih4030Humidity(raw / resolution, temperature) };
  }

  /**
   * Stops passing inputs on, and ends johnny-five's hold interval of any button still down (it runs
   * until the button reads up) by handing it an "up" level.
   */
  close(): void {
    this.#closed = true;
    for (const b of this.#buttons.values()) {
      const s = b as unknown as ButtonState;
      if (s.isDown) this.io.emit(`digital-read-${b.pin}`, s.upValue);
    }
  }

  #digital(guard: PullupGuard, pin: number, onLevel: (high: boolean) => void): void {
    guard.input(pin);
    this.io.digitalRead(pin, (value) => onLevel(value === 1));
  }

  #emit(input: FirmataInput): void {
    if (!this.#closed) this.onInput(input);
  }
}
