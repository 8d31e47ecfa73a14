import { TypedEmitter } from '../core/events.js';
import type { DevicesConfig } from '../config/schema.js';
import type { Clock, Timer } from '../environment/clock.js';
import { BOOT_STATUS, decodeStatus, mergeCommand, validateCommand, validateStatus, withDigit } from './status-codec.js';
import { lightOutput } from './light.js';
import { WindowServo } from './window.js';
import type {
  ButtonName,
  HomeEvent,
  Outputs,
  SensorReading,
  StatusCause,
  StatusReport,
  StatusString,
} from './types.js';

/**
 * The smarthome's behaviour (docs/home-behaviour.md), pure and clock-driven: no I/O. It is told what
 * happens (commands, button presses, a window pushed by hand), reads its sensors through a
 * SensorSource, and emits status changes, sensor readings and events.
 */
export interface SensorSource {
  /** Temperature and humidity as the sensor reports them, or undefined when the read fails. */
  climate(time: number): { temperature: number; humidity: number } | undefined;
  raining(time: number): boolean;
}

export interface HomeEvents {
  [event: string]: unknown[];
  status: [StatusReport];
  sensor: [SensorReading];
  event: [HomeEvent];
  /** Something physical changed (appliance state or window position); read `outputs()`. */
  outputs: [];
}

export interface HomeOptions {
  config: DevicesConfig;
  clock: Clock;
  sensors: SensorSource;
  initialStatus?: StatusString;
  /**
   * Where in its period each sensor's schedule starts, as a fraction of the period (0–1): the first
   * reading comes that much later. A fleet gives every home its own, so thousands of homes do not all
   * report in the same instant.
   */
  sensorPhase?: number;
}

export interface ApplyResult {
  status: StatusString;
  changed: boolean;
}

const BUTTON_POSITION: Record<ButtonName, number> = { aircon: 1, light: 3, gas: 8 };

export class Home extends TypedEmitter<HomeEvents> {
  readonly #config: DevicesConfig;
  readonly #clock: Clock;
  readonly #sensors: SensorSource;
  readonly #sensorPhase: number;
  readonly #window: WindowServo;
  #status: StatusString;
  #lightChangedAt: number;
  #started = false;
  #climateTimer: Timer | undefined;
  #rainTimer: Timer | undefined;
  #debounceTimer: Timer | undefined;
  /** When each sensor's next reading is due, in clock time. */
  #climateDue = 0;
  #rainDue = 0;
  /**
   * Buttons held down, each with its hold timer (undefined once it fired); made on the first press,
   * as most of a fleet's homes never see one.
   */
  #held: Map<ButtonName, Timer | undefined> | undefined;

  constructor(options: HomeOptions) {
    super();
    this.#config = options.config;
    this.#clock = options.clock;
    this.#sensors = options.sensors;
    this.#sensorPhase = options.sensorPhase ?? 0;
    this.#status = validateStatus(options.initialStatus ?? BOOT_STATUS);
    this.#lightChangedAt = this.#clock.now();
    const w = this.#config.appliances.window;
    this.#window = new WindowServo(
      { closedDeg: w.closedDeg, openDeg: w.openDeg, msPerDegree: w.msPerDegree },
      this.#clock,
      this.#status[7] === '1',
      () => this.#onTravelEnd(),
    );
  }

  get status(): StatusString {
    return this.#status;
  }

  /** Boots: reports the status (cause `boot`) and starts the sensor timers. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    const c = this.#config.sensors;
    const now = this.#clock.now();
    this.#climateDue = now + c.climate.firstReadingMs + Math.round(this.#sensorPhase * c.climate.periodMs);
    this.#rainDue = now + c.rain.periodMs + Math.round(this.#sensorPhase * c.rain.periodMs);
    this.#climateTimer = this.#clock.setTimer(this.#climateDue - now, this.#climateTick);
    this.#rainTimer = this.#clock.setTimer(this.#rainDue - now, this.#rainTick);
    this.#report('boot');
    this.#checkContact();
  }

  stop(): void {
    this.#started = false;
    for (const t of [this.#climateTimer, this.#rainTimer, this.#debounceTimer, ...(this.#held?.values() ?? [])])
      this.#clock.clearTimer(t);
    this.#held = undefined;
    this.#window.stop();
  }

  /** Applies a command string (validated here; throws BridgeError naming the bad position). */
  apply(command: unknown): ApplyResult {
    const cmd = validateCommand(command);
    const next = mergeCommand(this.#status, cmd);
    const changed = next !== this.#status;
    if (changed) this.#change(next, 'command');
    return { status: this.#status, changed };
  }

  /** Reports the current status now (cause `request`). */
  requestStatus(): StatusString {
    this.#report('request');
    return this.#status;
  }

  /** A button goes down; held for `holdMs` it toggles its appliance once. */
  press(button: ButtonName): void {
    this.#held ??= new Map();
    const held = this.#held;
    if (held.has(button)) return;
    held.set(
      button,
      this.#clock.setTimer(this.#config.sensors.buttons.holdMs, () => {
        // Still held (the map is the same one: no stop in between), and the hold is done.
        held.set(button, undefined);
        this.#toggle(button);
      }),
    );
  }

  release(button: ButtonName): void {
    this.#clock.clearTimer(this.#held?.get(button));
    this.#held?.delete(button);
  }

  /** Someone pushes the window fully open or closed by hand (ignored while the servo travels). */
  pushWindow(open: boolean): void {
    if (this.#window.moving) return;
    this.#window.push(open);
    this.emit('outputs');
    this.#checkContact();
  }

  /** What the pins would show now. */
  outputs(): Outputs {
    const s = decodeStatus(this.#status);
    const a = this.#config.appliances;
    return {
      windowAngle: this.#window.physicalAngle(),
      fanDuty: s.aircon.on ? s.aircon.power * a.aircon.dutyPerPowerStep : 0,
      light: lightOutput(s.light, a.light, this.#clock.now() - this.#lightChangedAt),
      gasValveOpen: s.gasValveOpen,
    };
  }

  /** Whether the window contact reads open. */
  contactOpen(): boolean {
    return this.#window.contactOpen();
  }

  #change(next: StatusString, cause: StatusCause): void {
    const prev = this.#status;
    this.#status = next;
    if (prev.slice(3, 7) !== next.slice(3, 7)) this.#lightChangedAt = this.#clock.now();
    if (prev[7] !== next[7] && cause !== 'window') this.#window.driveTo(next[7] === '1');
    this.#report(cause);
    this.emit('outputs');
    this.#checkContact();
  }

  #report(cause: StatusCause): void {
    this.emit('status', { status: this.#status, cause, time: this.#clock.now() });
  }

  #toggle(button: ButtonName): void {
    const pos = BUTTON_POSITION[button];
    const flipped = withDigit(this.#status, pos, this.#status[pos] === '1' ? '0' : '1');
    this.emit('event', { event: 'button', button, time: this.#clock.now() });
    this.#change(withDigit(flipped, 0, '0'), 'button');
  }

  #onTravelEnd(): void {
    this.emit('outputs');
    this.#checkContact();
  }

  /** docs/home-behaviour.md §3.2: the status follows a contact that disagrees for the debounce time. */
  #checkContact(): void {
    if (!this.#started) return;
    const disagrees = !this.#window.moving && this.#window.contactOpen() !== (this.#status[7] === '1');
    if (!disagrees) {
      this.#clock.clearTimer(this.#debounceTimer);
      this.#debounceTimer = undefined;
      return;
    }
    if (this.#debounceTimer) return;
    this.#debounceTimer = this.#clock.setTimer(this.#config.appliances.window.contactDebounceMs, () => {
      this.#debounceTimer = undefined;
      if (this.#window.moving) return;
      const open = this.#window.contactOpen();
      if (open === (this.#status[7] === '1')) return;
      this.#window.settle(open);
      this.emit('event', { event: 'window', open, time: this.#clock.now() });
      this.#change(withDigit(withDigit(this.#status, 7, open ? '1' : '0'), 0, '0'), 'window');
    });
  }

  /*
   * Drift-free periodic readings: each tick re-arms for the next due time, a period of clock time
   * after this one, and stamps the reading with the time it was due, so a late timer (a busy event loop
   * under a real clock) does not shift its timestamp, and two readings never share one. One callback
   * per sensor for the life of the home, not a closure per reading or per timer: a fleet re-arms these
   * tens of thousands of times a second and holds them for up to 100,000 homes.
   */
  readonly #climateTick = (): void => {
    const at = this.#climateDue;
    this.#climateDue += this.#config.sensors.climate.periodMs;
    this.#climateTimer = this.#clock.setTimer(
      this.#climateDue - this.#clock.now(),
      this.#climateTick,
      this.#climateTimer,
    );
    this.#readClimate(at);
  };

  readonly #rainTick = (): void => {
    const at = this.#rainDue;
    this.#rainDue += this.#config.sensors.rain.periodMs;
    this.#rainTimer = this.#clock.setTimer(this.#rainDue - this.#clock.now(), this.#rainTick, this.#rainTimer);
    this.#readRain(at);
  };

  #readClimate(at: number): void {
    const r = this.#sensors.climate(at);
    if (r) this.emit('sensor', { sensor: 'climate', temperature: r.temperature, humidity: r.humidity, time: at });
  }

  #readRain(at: number): void {
    this.emit('sensor', { sensor: 'rain', raining: this.#sensors.raining(at), time: at });
  }
}
