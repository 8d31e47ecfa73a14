import five from 'johnny-five';
import type { Firmata } from 'firmata-io';
import type { Outputs } from '../../home/types.js';
import type { FirmataPinMap } from './firmata-pins.js';
import type { PullupGuard } from './pullup-guard.js';

/** johnny-five's default servo range (µs at 0° and 180°), as StandardFirmata's servoConfig gets it. */
export const SERVO_PWM_RANGE: readonly [number, number] = [600, 2400];

/**
 * The home's outputs on the board's pins through johnny-five: the window servo, the air-con fan (PWM
 * duty), the RGB mood light (PWM duty per channel) and the gas valve (digital). `write` sends only
 * what changed since the last write; a fresh instance (after a reconnect) sends everything.
 */
export class FirmataActuators {
  readonly #servo: five.Servo;
  readonly #fan: five.Led;
  readonly #light: five.Led.RGB;
  #last: Outputs | undefined;

  constructor(
    readonly board: five.Board,
    readonly io: Firmata,
    readonly pins: FirmataPinMap,
    readonly pullups: PullupGuard,
    initial: Outputs,
  ) {
    // startAt: the first pulse already shows the home's angle (an attached servo otherwise starts at 90°).
    this.#servo = new five.Servo({
      pin: pins.servo,
      board,
      pwmRange: [...SERVO_PWM_RANGE],
      startAt: initial.windowAngle,
    } as five.ServoGeneralOption);
    this.#fan = new five.Led({ pin: pins.fan, board });
    this.#light = new five.Led.RGB({
      pins: { red: pins.light.red, green: pins.light.green, blue: pins.light.blue },
      board,
    });
    io.pinMode(pins.gasValve, io.MODES.OUTPUT);
    this.write(initial);
  }

  write(o: Outputs): void {
    const last = this.#last;
    if (!last || last.windowAngle !== o.windowAngle) this.#servo.to(o.windowAngle);
    if (!last || last.fanDuty !== o.fanDuty) this.#fan.brightness(o.fanDuty);
    if (!last || last.light.r !== o.light.r || last.light.g !== o.light.g || last.light.b !== o.light.b) {
      this.#light.color({ red: o.light.r, green: o.light.g, blue: o.light.b } as unknown as string);
    }
    if (!last || last.gasValveOpen !== o.gasValveOpen) this.pullups.digitalWrite(this.pins.gasValve, o.gasValveOpen);
    this.#last = { ...o, light: { ...o.light } };
  }
}
