import type { DevicesConfig } from '../../config/schema.js';
import type { Clock } from '../../environment/clock.js';
import { dht11Reading, type Actuators, type Environment } from '../../environment/room.js';
import type { ButtonName, Outputs } from '../../home/types.js';
import { applyConditions, type ConditionsPatch, type PhysicalAccess } from '../physical.js';
import { CYCLES_PER_MS, type Board, type ClockEvent } from '../../board/board.js';
import { Dht11 } from '../../board/parts/dht11.js';
import { PwmMeter } from '../../board/parts/pwm.js';
import { Servo } from '../../board/parts/servo.js';
import { unoPin } from '../../board/pins.js';
import { WindowModel } from './window-model.js';

export interface EnvironmentWiringOptions {
  board: Board;
  /** Pins, ranges and appliance scales (devices.json). */
  config: DevicesConfig;
  environment: Environment;
  /** The board's clock: the environment's time is board time. */
  clock: Clock;
}

/**
 * How often (board time) the rain pin and the actuator read-back are refreshed. On whole multiples of
 * 10 ms from board time 0, the sketch's tick grid: a refresh lands before the tick that reads the pin.
 */
const REFRESH_MS = 10;

/**
 * The room wired to an emulated board's pins (devices.json decides which):
 * - sensors driven from the environment at board time: a DHT11 part answering the sketch with
 *   `dht11Reading` of the indoor temperature and humidity; the rain sensor's digital output (active
 *   low); the window contact (high = open) from the window's physical angle;
 * - buttons (active low) pressed and released from outside;
 * - actuators read back: servo pulses → window angle (WindowModel) → the environment's `windowOpen`;
 *   fan PWM duty → air-con power (duty / dutyPerPowerStep) → the environment; RGB duties and the gas
 *   valve level → `outputs()`.
 *
 * It is the firmware link's physical access: tests and the harness press buttons, push the window and
 * set the weather through it, exactly as on the emulated home.
 */
export class EnvironmentWiring implements PhysicalAccess {
  readonly window: WindowModel;
  readonly dht: Dht11;
  readonly servo: Servo;
  readonly fan: PwmMeter;
  readonly light: { r: PwmMeter; g: PwmMeter; b: PwmMeter };
  readonly #o: EnvironmentWiringOptions;
  readonly #pins: {
    rain: number;
    rainActiveLow: boolean;
    contact: number;
    gasValve: number;
    buttons: Record<ButtonName, number>;
  };
  #refresh: ClockEvent | undefined;
  #actuators: Actuators | undefined;
  #stopped = false;

  constructor(options: EnvironmentWiringOptions) {
    this.#o = options;
    const { board, config, environment, clock } = options;
    const a = config.appliances;
    const s = config.sensors;
    this.#pins = {
      rain: unoPin(s.rain.pin),
      rainActiveLow: s.rain.activeLow,
      contact: unoPin(a.window.pins.contact),
      gasValve: unoPin(a.gasValve.pins.output),
      buttons: {
        aircon: unoPin(s.buttons.pins.aircon),
        light: unoPin(s.buttons.pins.light),
        gas: unoPin(s.buttons.pins.gas),
      },
    };
    this.dht = new Dht11(board, {
      pin: unoPin(s.climate.serial.pin),
      read: () => {
        const c = environment.sample(clock.now());
        return dht11Reading(c.indoorTemperature, c.indoorHumidity);
      },
    });
    this.window = new WindowModel(
      { closedDeg: a.window.closedDeg, openDeg: a.window.openDeg },
      () => clock.now(),
      () => this.#windowMoved(),
    );
    this.servo = new Servo(board, { pin: unoPin(a.window.pins.servo) });
    this.servo.onPulse((_us, angle) => this.window.servo(angle));
    this.fan = new PwmMeter(board, { pin: unoPin(a.aircon.pins.fan) });
    this.light = {
      r: new PwmMeter(board, { pin: unoPin(a.light.pins.red) }),
      g: new PwmMeter(board, { pin: unoPin(a.light.pins.green) }),
      b: new PwmMeter(board, { pin: unoPin(a.light.pins.blue) }),
    };
    for (const pin of Object.values(this.#pins.buttons)) board.releasePin(pin);
    this.#windowMoved();
    this.#tick();
  }

  // ---- PhysicalAccess -----------------------------------------------------------------------------

  setConditions(c: ConditionsPatch): void {
    applyConditions(this.#o.environment, this.#o.clock.now(), c);
    this.#drivePins();
  }

  /** The button goes down: its pin is pulled to GND. */
  press(button: ButtonName): void {
    this.#o.board.setPin(this.#pins.buttons[button], false);
  }

  /** The button comes up: the pin floats and reads the sketch's pull-up. */
  release(button: ButtonName): void {
    this.#o.board.releasePin(this.#pins.buttons[button]);
  }

  pushWindow(open: boolean): void {
    this.window.push(open);
  }

  outputs(): Outputs {
    return {
      windowAngle: this.window.angle(),
      fanDuty: this.fan.duty(),
      light: { r: this.light.r.duty(), g: this.light.g.duty(), b: this.light.b.duty() },
      gasValveOpen: this.#o.board.pinLevel(this.#pins.gasValve),
    };
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  /** Unplugs everything from the board (the pins float again). */
  detach(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const { board } = this.#o;
    board.clearClockEvent(this.#refresh);
    this.dht.detach();
    this.servo.detach();
    for (const meter of [this.fan, this.light.r, this.light.g, this.light.b]) meter.detach();
    for (const pin of [this.#pins.rain, this.#pins.contact, ...Object.values(this.#pins.buttons)])
      board.releasePin(pin);
  }

  /** Refreshes the sensor pins and the actuator read-back, then again on the next 10 ms boundary. */
  readonly #tick = (): void => {
    if (this.#stopped) return;
    this.#drivePins();
    this.#readActuators();
    const period = REFRESH_MS * CYCLES_PER_MS;
    const { board } = this.#o;
    this.#refresh = board.addClockEvent(this.#tick, period - (board.cycles % period));
  };

  #drivePins(): void {
    const { board, environment, clock } = this.#o;
    const raining = environment.sample(clock.now()).raining;
    board.setPin(this.#pins.rain, raining !== this.#pins.rainActiveLow);
  }

  #windowMoved(): void {
    this.#o.board.setPin(this.#pins.contact, this.window.contactOpen());
    this.#readActuators();
  }

  /** The environment follows the actuators: fan duty → air-con power, window angle → open. */
  #readActuators(): void {
    const { config, environment, clock } = this.#o;
    const airconPower = Math.min(9, Math.round(this.fan.duty() / config.appliances.aircon.dutyPerPowerStep));
    const next: Actuators = { airconPower, windowOpen: this.window.contactOpen() };
    const prev = this.#actuators;
    if (prev && prev.airconPower === next.airconPower && prev.windowOpen === next.windowOpen) return;
    this.#actuators = next;
    environment.setActuators(clock.now(), next);
  }
}
