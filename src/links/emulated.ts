import { TypedEmitter } from '../core/events.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { DevicesConfig } from '../config/schema.js';
import type { Clock } from '../environment/clock.js';
import { Environment, dht11Reading } from '../environment/room.js';
import { Home, type SensorSource } from '../home/home.js';
import { decodeStatus } from '../home/status-codec.js';
import type { StatusString } from '../home/types.js';
import type { Link, LinkEvents, LinkState } from './link.js';
import { applyConditions, type PhysicalAccess, type WithPhysicalAccess } from './physical.js';

/** The home's sensors read from the room: the DHT11's rounding on the climate, the rain sensor as it is. */
class RoomSensors implements SensorSource {
  constructor(readonly environment: Environment) {}
  climate(t: number): { temperature: number; humidity: number } {
    const c = this.environment.sample(t);
    return dht11Reading(c.indoorTemperature, c.indoorHumidity);
  }
  raining(t: number): boolean {
    return this.environment.sample(t).raining;
  }
}

export interface EmulatedLinkOptions {
  config: DevicesConfig;
  clock: Clock;
  initialStatus?: StatusString;
  /** Overrides devices.json's environment seed. */
  seed?: number;
  /** Where the sensors' schedules start in their period (0–1; see HomeOptions.sensorPhase). */
  sensorPhase?: number;
}

/**
 * The virtual smarthome: the TypeScript home and a seeded room, on one clock. With a RealClock of speed
 * 60 it runs an hour a minute; with a VirtualClock a test steps it. Its physical access is the room and
 * the home's buttons and window, in-process; the room is told the clock's time with every change.
 */
export class EmulatedLink extends TypedEmitter<LinkEvents> implements Link, WithPhysicalAccess {
  readonly kind = 'emulated' as const;
  readonly home: Home;
  readonly environment: Environment;
  readonly #clock: Clock;
  #physical: PhysicalAccess | undefined;
  #state: LinkState = 'stopped';

  constructor(options: EmulatedLinkOptions) {
    super();
    const { config, clock } = options;
    this.#clock = clock;
    const envConfig = options.seed === undefined ? config.environment : { ...config.environment, seed: options.seed };
    this.environment = new Environment(envConfig, clock.now());
    this.home = new Home({
      config,
      clock,
      ...(options.initialStatus ? { initialStatus: options.initialStatus } : {}),
      ...(options.sensorPhase !== undefined ? { sensorPhase: options.sensorPhase } : {}),
      sensors: new RoomSensors(this.environment),
    });
    this.home.on('status', (r) => this.emit('status', r));
    this.home.on('sensor', (r) => this.emit('sensor', r));
    this.home.on('event', (e) => this.emit('event', e));
    this.home.on('outputs', () => this.#syncActuators());
  }

  /** The room and the home's buttons and window, in-process (made when first asked for: most fleet homes never are). */
  get physical(): PhysicalAccess {
    const { environment: env, home } = this;
    const clock = this.#clock;
    this.#physical ??= {
      setConditions: (c) => applyConditions(env, clock.now(), c),
      press: (button) => home.press(button),
      release: (button) => home.release(button),
      pushWindow: (open) => home.pushWindow(open),
      outputs: () => home.outputs(),
    };
    return this.#physical;
  }

  get state(): LinkState {
    return this.#state;
  }
  get status(): StatusString | undefined {
    return this.#state === 'stopped' ? undefined : this.home.status;
  }

  async start(): Promise<void> {
    if (this.#state === 'ready') return;
    this.#setState('ready');
    this.#syncActuators();
    this.home.start();
  }

  async stop(): Promise<void> {
    this.home.stop();
    this.#setState('stopped');
  }

  async apply(command: StatusString): Promise<StatusString> {
    this.#assertReady();
    return this.home.apply(command).status;
  }

  async requestStatus(): Promise<StatusString> {
    this.#assertReady();
    return this.home.requestStatus();
  }

  counters(): Record<string, number> {
    return {};
  }

  #assertReady(): void {
    if (this.#state !== 'ready') throw new BridgeError(ErrorCode.LINK_NOT_READY, 'the emulated home is not running');
  }

  #syncActuators(): void {
    const s = decodeStatus(this.home.status);
    this.environment.setActuators(this.#clock.now(), {
      airconPower: s.aircon.on ? s.aircon.power : 0,
      windowOpen: this.home.contactOpen(),
    });
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.emit('state', state);
  }
}
