import { EventEmitter } from 'node:events';
import { BridgeError, ErrorCode } from '../../../../src/core/errors.js';
import type { FirmataPort } from '../../../../src/links/firmata/port.js';
import { shippedDevicesConfig } from '../../../../src/config/load.js';
import type { DevicesConfig } from '../../../../src/config/schema.js';
import type { LinkEvents } from '../../../../src/links/link.js';
import type { PhysicalAccess } from '../../../../src/links/physical.js';
import { BoardClock } from '../../../../src/board/board-clock.js';
import { BoardTransport } from '../../../support/board-transport.js';
import { FirmataLink, type FirmataLinkOptions } from '../../../../src/links/firmata/firmata-link.js';
import { CONTACT_SETTLE_MS } from '../../../../src/links/firmata/home-inputs.js';
import { resolveFirmataPins, type FirmataPinMap } from '../../../../src/links/firmata/firmata-pins.js';
import { hih4030Volts } from '../../../../src/links/firmata/hih4030.js';
import { Board } from '../../../../src/board/board.js';
import { PwmMeter } from '../../../../src/board/parts/pwm.js';
import { SERVO_RANGE_JOHNNY_FIVE, Servo } from '../../../../src/board/parts/servo.js';
import { standardFirmata } from './standard-firmata.js';

/** A port that is not there: opening it fails as serialport fails for a missing device. */
function goneBoardPort(path: string): FirmataPort {
  return {
    path,
    transport: new EventEmitter() as FirmataPort['transport'],
    open: () =>
      Promise.reject(
        new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot open serial port ${path}: No such file or directory`, {
          path,
        }),
      ),
    close: () => Promise.resolve(),
  };
}

/**
 * The contact opens once the window is this far open. The Servo library in StandardFirmata times its
 * pulses in an interrupt, so a pulse now and then comes out a few µs long (605 µs for 600 µs: half a
 * degree) when another interrupt delays it; a contact that opened on that would be a window that never
 * moved.
 */
const CONTACT_OPENS_AT_DEG = 2;

/** Clock time at board cycle 0, so reports carry plausible dates. */
export const RIG_ORIGIN = Date.UTC(2021, 10, 15);
/** TMP36: 10 mV/°C with 500 mV at 0 °C. */
export const tmp36Volts = (celsius: number): number => 0.5 + celsius / 100;

export interface Recorded {
  status: LinkEvents['status'][0][];
  sensor: LinkEvents['sensor'][0][];
  event: LinkEvents['event'][0][];
  error: LinkEvents['error'][0][];
  state: LinkEvents['state'][0][];
}

export interface RigOptions {
  config?: DevicesConfig;
  link?: Partial<Omit<FirmataLinkOptions, 'config' | 'clock' | 'openPort'>>;
  /** Program to run instead of StandardFirmata (e.g. our own sketch, which does not speak Firmata). */
  program?: Uint16Array;
}

/**
 * StandardFirmata on an emulated Uno, driven by the Firmata link through the in-process transport, with
 * the home on the board's clock. Around the board: meters on the servo and PWM pins, TMP36 and HIH-4030
 * volts on A0/A2, and a window whose contact (D10, low = closed) follows the servo's angle unless a
 * hand pushes it.
 */
export class FirmataRig {
  readonly board: Board;
  readonly clock: BoardClock;
  readonly link: FirmataLink;
  readonly pins: FirmataPinMap;
  readonly config: DevicesConfig;
  readonly servo: Servo;
  readonly fan: PwmMeter;
  readonly light: { r: PwmMeter; g: PwmMeter; b: PwmMeter };
  readonly recorded: Recorded = { status: [], sensor: [], event: [], error: [], state: [] };
  transports: BoardTransport[] = [];
  /** While true the port cannot be opened (the cable is gone for good). */
  portGone = false;
  #lastServoDeg: number | undefined;
  /** The room's climate the sensors show (devices.json's indoor start, like the emulated room). */
  #climate: { celsius: number; humidity: number };

  static async create(options: RigOptions = {}): Promise<FirmataRig> {
    const program = options.program ?? (await standardFirmata()).program;
    return new FirmataRig(program, options.config ?? (await shippedDevicesConfig()), options);
  }

  private constructor(program: Uint16Array, config: DevicesConfig, options: RigOptions) {
    this.config = config;
    this.pins = resolveFirmataPins(config);
    this.board = new Board(program);
    this.clock = new BoardClock(this.board, RIG_ORIGIN);
    const p = this.pins;
    this.servo = new Servo(this.board, { pin: p.servo, range: SERVO_RANGE_JOHNNY_FIVE });
    this.fan = new PwmMeter(this.board, { pin: p.fan });
    this.light = {
      r: new PwmMeter(this.board, { pin: p.light.red }),
      g: new PwmMeter(this.board, { pin: p.light.green }),
      b: new PwmMeter(this.board, { pin: p.light.blue }),
    };
    this.board.setPin(p.contact, false);
    this.servo.onPulse((_us, angle) => {
      const deg = Math.round(angle);
      if (deg === this.#lastServoDeg) return;
      this.#lastServoDeg = deg;
      this.board.setPin(p.contact, deg >= this.config.appliances.window.closedDeg + CONTACT_OPENS_AT_DEG);
    });
    this.#climate = { celsius: config.environment.indoor.temperature, humidity: config.environment.indoor.humidity };
    this.setClimate(this.#climate.celsius, this.#climate.humidity);
    this.link = new FirmataLink({
      config,
      clock: this.clock,
      openPort: () => {
        if (this.portGone) return goneBoardPort('emulated-uno');
        const t = new BoardTransport(this.board, { path: 'emulated-uno' });
        this.transports.push(t);
        return t;
      },
      readyTimeoutMs: 5_000,
      physical: this.physical(),
      ...options.link,
    });
    this.link.on('status', (v) => this.recorded.status.push(v));
    this.link.on('sensor', (v) => this.recorded.sensor.push(v));
    this.link.on('event', (v) => this.recorded.event.push(v));
    this.link.on('error', (v) => this.recorded.error.push(v));
    this.link.on('state', (v) => this.recorded.state.push(v));
  }

  get transport(): BoardTransport | undefined {
    return this.transports[this.transports.length - 1];
  }

  /**
   * Starts the link (the board runs unpaced while it answers), then holds the board for stepping and
   * runs it until the pins are set up (the setup messages take about 60 ms at 57600 baud) and the
   * window contact is trusted (CONTACT_SETTLE_MS).
   */
  async start(): Promise<void> {
    await this.link.start();
    this.board.stop();
    await this.advance(CONTACT_SETTLE_MS + 20);
  }

  /** Runs the board (and so the home) for `ms` simulated ms, delivering serial data every ms. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    await this.board.runUntil(() => this.clock.now() >= target, ms + 10);
  }

  /** Runs the board until `pred` holds, within `ms` simulated ms. */
  async until(pred: () => boolean, ms: number): Promise<void> {
    await this.board.runUntil(pred, ms);
  }

  setClimate(celsius: number, humidity: number): void {
    this.#climate = { celsius, humidity };
    this.board.setAnalog(this.pins.temperature.channel, tmp36Volts(celsius));
    this.board.setAnalog(this.pins.humidity.channel, hih4030Volts(humidity, celsius));
  }

  /** A button to GND: pressed drives the pin low; released leaves it to the pull-up. */
  button(name: 'aircon' | 'light' | 'gas', down: boolean): void {
    const pin = this.pins.buttons[name];
    if (down) this.board.setPin(pin, false);
    else this.board.releasePin(pin);
  }

  /** A hand pushes the window to an end: the contact reads it at once. */
  pushWindow(open: boolean): void {
    this.board.setPin(this.pins.contact, open);
  }

  setRain(raining: boolean): void {
    if (raining) this.board.setPin(this.pins.rain, false);
    else this.board.releasePin(this.pins.rain);
  }

  /** What the board's output pins show: window angle (johnny-five servo range), duties, gas valve level. */
  pinOutputs(): {
    windowAngle: number | undefined;
    fanDuty: number;
    light: { r: number; g: number; b: number };
    gasValveOpen: boolean;
  } {
    return {
      windowAngle: this.servo.angle === undefined ? undefined : Math.round(this.servo.angle),
      fanDuty: this.fan.duty(),
      light: { r: this.light.r.duty(), g: this.light.g.duty(), b: this.light.b.duty() },
      gasValveOpen: this.board.pinLevel(this.pins.gasValve),
    };
  }

  /**
   * The world around the board as the harness drives it: room conditions become sensor volts and the
   * rain pin, buttons and the window contact become pin levels, outputs are read off the pins.
   */
  physical(): PhysicalAccess {
    return {
      setConditions: (c) => {
        this.setClimate(c.indoorTemperature ?? this.#climate.celsius, c.indoorHumidity ?? this.#climate.humidity);
        if (c.raining !== undefined) this.setRain(c.raining);
      },
      press: (button) => this.button(button, true),
      release: (button) => this.button(button, false),
      pushWindow: (open) => this.pushWindow(open),
      outputs: () => {
        const o = this.pinOutputs();
        return { ...o, windowAngle: o.windowAngle ?? this.config.appliances.window.closedDeg };
      },
    };
  }

  async close(): Promise<void> {
    await this.link.stop();
    this.board.stop();
    this.servo.detach();
    for (const m of [this.fan, this.light.r, this.light.g, this.light.b]) m.detach();
  }
}
