import type { Logger } from 'pino';
import type { DevicesConfig } from '../../config/schema.js';
import { BridgeError, ErrorCode, toBridgeError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { silentLogger } from '../../core/logger.js';
import type { Clock } from '../../environment/clock.js';
import { Home } from '../../home/home.js';
import type { StatusString } from '../../home/types.js';
import type { Link, LinkEvents, LinkState } from '../link.js';
import type { PhysicalAccess } from '../physical.js';
import { Backoff, Reopener } from '../serial/reconnect.js';
import { resolveFirmataPins, type FirmataPinMap } from './firmata-pins.js';
import { HomeInputs } from './home-inputs.js';
import type { FirmataPort } from './port.js';
import { OutputFollower } from './output-follower.js';
import { FirmataSession } from './session.js';

export interface FirmataLinkOptions {
  config: DevicesConfig;
  /** The home's clock; also times the ready timeout, the silence watchdog and the reopen backoff. */
  clock: Clock;
  /** Makes a fresh, unopened port for each connection (serialFirmataPort for a real board). */
  openPort: () => FirmataPort;
  logger?: Logger | undefined;
  initialStatus?: StatusString | undefined;
  /** The world around the board, when software can reach it (an emulated board in tests). */
  physical?: PhysicalAccess | undefined;
  /** How long the board may take to answer Firmata after the port opened (default 10 000 ms). */
  readyTimeoutMs?: number | undefined;
  /**
   * A board silent this long is restarted (default 3 000 ms: StandardFirmata reports analog pins every
   * 19 ms, and says nothing for about 2 s while it boots).
   */
  silenceMs?: number | undefined;
  /** Reopen backoff after a lost board (default 500 ms doubling to 10 s). */
  reopen?: { initialMs: number; maxMs: number } | undefined;
}

/**
 * The Firmata link: the TypeScript home runs on the host (as in the emulated link) and drives an Uno
 * running StandardFirmata through johnny-five. The home's outputs go to the pins on every change and,
 * while the window travels or a light effect runs, on the home's 10 ms tick; buttons, the window
 * contact, rain, temperature and humidity come back from the board's inputs.
 *
 * A board that does not answer at start is FIRMATA_TIMEOUT. A port that vanishes, a board that
 * restarts or goes silent is reported (`error`, state `disconnected`/`unresponsive`) and reopened with
 * backoff; once it answers again every pin is set to the home's current outputs. While the board is
 * away, commands are refused with LINK_NOT_READY (the pins could not follow them).
 */
export class FirmataLink extends TypedEmitter<LinkEvents> implements Link {
  readonly kind = 'firmata' as const;
  readonly home: Home;
  readonly pins: FirmataPinMap;
  /** The home's clock (the harness waits in this time; an emulated board's clock in tests). */
  readonly clock: Clock;
  readonly physical: PhysicalAccess | undefined;
  readonly #o: FirmataLinkOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #reopener: Reopener;
  readonly #counts = new Map<string, number>();
  #state: LinkState = 'stopped';
  #stopped = true;
  #session: FirmataSession | undefined;
  readonly #follower: OutputFollower;
  readonly #inputs: HomeInputs;
  /** The last reopen failure reported: a board that stays away is reported once, not on every try. */
  #lastFailure: string | undefined;

  constructor(options: FirmataLinkOptions) {
    super();
    this.#o = options;
    this.#clock = this.clock = options.clock;
    this.physical = options.physical;
    this.#log = options.logger ?? silentLogger();
    this.pins = resolveFirmataPins(options.config);
    this.home = new Home({
      config: options.config,
      clock: options.clock,
      ...(options.initialStatus ? { initialStatus: options.initialStatus } : {}),
      sensors: {
        climate: () => this.#session?.inputs?.climate(),
        raining: () => this.#inputs.raining,
      },
    });
    this.home.on('status', (r) => this.emit('status', r));
    this.home.on('sensor', (r) => this.emit('sensor', r));
    this.home.on('event', (e) => this.emit('event', e));
    this.#follower = new OutputFollower(this.home, options.clock, options.config.appliances.window, (o) =>
      this.#session?.write(o),
    );
    this.home.on('outputs', () => this.#follower.sync());
    this.#inputs = new HomeInputs(this.home, options.clock, () => this.#session?.inputs?.contactOpen);
    const backoff = options.reopen ?? { initialMs: 500, maxMs: 10_000 };
    this.#reopener = new Reopener({
      clock: options.clock,
      backoff: new Backoff(backoff.initialMs, backoff.maxMs),
      attempt: () => this.#reconnect(),
      onFailure: (e) => this.#reopenFailed(e),
    });
  }

  get state(): LinkState {
    return this.#state;
  }
  get status(): StatusString | undefined {
    return this.#state === 'stopped' ? undefined : this.home.status;
  }
  /** Firmware the board reported, once connected. */
  get firmware(): string | undefined {
    return this.#session?.firmware;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#setState('starting');
    let session: FirmataSession;
    try {
      session = await this.#connect();
    } catch (e) {
      this.#stopped = true;
      this.#setState('stopped');
      throw toBridgeError(e);
    }
    if (this.#stopped) {
      await session.close();
      throw new BridgeError(ErrorCode.LINK_CLOSED, 'the Firmata link was stopped while it started');
    }
    this.#session = session;
    this.#log.info({ firmware: session.firmware }, 'Firmata board ready');
    this.#setState('ready');
    this.home.start();
    this.#inputs.connected();
    this.#follower.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reopener.cancel();
    this.#follower.stop();
    this.#inputs.disconnected();
    this.home.stop();
    const session = this.#session;
    this.#session = undefined;
    await session?.close();
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
    return Object.fromEntries(this.#counts);
  }

  #connect(): Promise<FirmataSession> {
    return FirmataSession.open({
      port: this.#o.openPort(),
      pins: this.pins,
      clock: this.#clock,
      readyTimeoutMs: this.#o.readyTimeoutMs ?? 10_000,
      silenceMs: this.#o.silenceMs ?? 3_000,
      outputs: () => this.home.outputs(),
      onInput: (input) => this.#inputs.handle(input),
      onLost: (error, state) => this.#onLost(error, state),
      logger: this.#log,
    });
  }

  async #reconnect(): Promise<void> {
    const session = await this.#connect();
    if (this.#stopped) {
      await session.close();
      return;
    }
    this.#session = session;
    this.#lastFailure = undefined;
    this.#count('reconnects');
    this.#log.info({ firmware: session.firmware }, 'Firmata board back; pins restored to the home state');
    this.#setState('ready');
    this.#inputs.connected();
    this.#follower.start();
  }

  #onLost(error: BridgeError, state: 'disconnected' | 'unresponsive'): void {
    this.#count(state === 'unresponsive' ? 'silentBoard' : 'lostBoard');
    const session = this.#session;
    this.#session = undefined;
    this.#follower.stop();
    this.#inputs.disconnected();
    void session?.close();
    this.emit('error', error);
    this.#setState(state);
    if (!this.#stopped) this.#reopener.start();
  }

  #reopenFailed(e: unknown): void {
    this.#count('reopenFailures');
    const error = toBridgeError(e);
    const key = `${error.code} ${error.message}`;
    if (key === this.#lastFailure) return;
    this.#lastFailure = key;
    this.emit('error', error);
  }

  #assertReady(): void {
    if (this.#state !== 'ready') {
      throw new BridgeError(
        ErrorCode.LINK_NOT_READY,
        `the Firmata board is ${this.#state === 'stopped' ? 'not started' : this.#state}`,
        { state: this.#state },
      );
    }
  }

  #count(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  #setState(state: LinkState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
