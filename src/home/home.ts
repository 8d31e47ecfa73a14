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
  readonly #holdTimers = new Map<ButtonName, Timer>();
  readonly #held = new Set<ButtonName>();

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
    const phase = (periodMs: number): number => Math.round(this.#sensorPhase * periodMs);
    this.#climateTimer = this.#every(
      c.climate.firstReadingMs + phase(c.climate.periodMs),
      c.climate.periodMs,
      (at) => this.#readClimate(at),
      (t) => (this.#climateTimer = t),
    );
    this.#rainTimer = this.#every(
      c.rain.periodMs + phase(c.rain.periodMs),
      c.rain.periodMs,
      (at) => this.#readRain(at),
      (t) => (this.#rainTimer = t),
    );
    this.#report('boot');
    this.#checkContact();
  }

  stop(): void {
    this.#started = false;
    for (const t of [this.#climateTimer, this.#rainTimer, this.#debounceTimer, ...this.#holdTimers.values()])
      this.#clock.clearTimer(t);
    this.#holdTimers.clear();
    this.#held.clear();
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
    if (this.#held.has(button)) return;
    this.#held.add(button);
    this.#holdTimers.set(
      button,
      this.#clock.setTimer(this.#config.sensors.buttons.holdMs, () => {
        this.#holdTimers.delete(button);
        this.#toggle(button);
      }),
    );
  }

  release(button: ButtonName): void {
    this.#held.delete(button);
    this.#clock.clearTimer(this.#holdTimers.get(button));
    this.#holdTimers.delete(button);
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

  #readClimate(at: number): void {
    const r = this.#sensors.climate(at);
    if (r) this.emit('sensor', { sensor: 'climate', temperature: r.temperature, humidity: r.humidity, time: at });
  }

  #readRain(at: number): void {
    this.emit('sensor', { sensor: 'rain', raining: this.#sensors.raining(at), time: at });
  }

  /**
   * A drift-free periodic timer: first after `first` ms, then every `period` ms of clock time. `fn` gets
   * the scheduled time: a reading is stamped with the time it was due, so a late timer (a busy event
   * loop under a real clock) does not shift its timestamp, and two readings never share one.
   */
  #every(first: number, period: number, fn: (at: number) => void, store: (t: Timer) => void): Timer {
    let due = this.#clock.now() + first;
    // One callback for every period, not a new closure each time: a fleet re-arms these tens of
    // thousands of times a second, and each closure lived a full period (young-GC survivors).
    const tick = (): void => {
      const at = due;
      due += period;
      store(arm());
      fn(at);
    };
    const arm = (): Timer => this.#clock.setTimer(due - this.#clock.now(), tick);
    return arm();
  }
}
