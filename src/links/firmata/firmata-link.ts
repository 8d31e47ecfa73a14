import type { Logger } from 'pino';
import type { DevicesConfig } from '../../config/schema.js';
import { BridgeError, ErrorCode, toBridgeError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { silentLogger } from '../../core/logger.js';
import type { Clock, Timer } from '../../environment/clock.js';
import { Home } from '../../home/home.js';
import { BUTTONS, type StatusString } from '../../home/types.js';
import type { Link, LinkEvents, LinkState } from '../link.js';
import type { PhysicalAccess } from '../physical.js';
import { Backoff, Reopener } from '../serial/reconnect.js';
import { resolveFirmataPins, type FirmataPinMap } from './firmata-pins.js';
import type { FirmataInput } from './inputs.js';
import type { FirmataPort } from './port.js';
import { OutputFollower } from './output-follower.js';
import { FirmataSession } from './session.js';

/**
 * After a (re)connect the window contact is trusted only this long after the servo attached: Firmata
 * attaches the servo at 1500 µs before the home's angle arrives, and that twitch (one 20 ms pulse at
 * 90°) can flick the contact. Then its reading is passed on once, so a window moved by hand while the
 * bridge was away is still noticed.
 */
export const CONTACT_SETTLE_MS = 200;

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
  #raining = false;
  /** Until this clock time the contact's changes wait (see CONTACT_SETTLE_MS). */
  #contactSettle: Timer | undefined;
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
        raining: () => this.#raining,
      },
    });
    this.home.on('status', (r) => this.emit('status', r));
    this.home.on('sensor', (r) => this.emit('sensor', r));
    this.home.on('event', (e) => this.emit('event', e));
    this.#follower = new OutputFollower(this.home, options.clock, options.config.appliances.window, (o) => this.#session?.write(o));
    this.home.on('outputs', () => this.#follower.sync());
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
    try {
      this.#session = await this.#connect();
    } catch (e) {
      this.#stopped = true;
      this.#setState('stopped');
      throw toBridgeError(e);
    }
    this.#log.info({ firmware: this.#session.firmware }, 'Firmata board ready');
    this.#setState('ready');
    this.home.start();
    this.#settleContact();
    this.#follower.start();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reopener.cancel();
    this.#follower.stop();
    this.#clock.clearTimer(this.#contactSettle);
    this.#contactSettle = undefined;
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
      onInput: (input) => this.#onInput(input),
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
    this.#settleContact();
    this.#follower.start();
  }

  #onLost(error: BridgeError, state: 'disconnected' | 'unresponsive'): void {
    this.#count(state === 'unresponsive' ? 'silentBoard' : 'lostBoard');
    const session = this.#session;
    this.#session = undefined;
    this.#follower.stop();
    this.#clock.clearTimer(this.#contactSettle);
    this.#contactSettle = undefined;
    // Nobody can hold a button on a board we cannot hear.
    for (const b of BUTTONS) this.home.release(b);
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

  #onInput(input: FirmataInput): void {
    switch (input.input) {
      case 'button':
        if (input.down) this.home.press(input.button);
        else this.home.release(input.button);
        return;
      case 'contact':
        // A hand moved the window (the home ignores this while the servo travels: its own doing).
        if (!this.#contactSettle) this.home.pushWindow(input.open);
        return;
      case 'rain':
        this.#raining = input.raining;
        return;
    }
  }

  #settleContact(): void {
    this.#clock.clearTimer(this.#contactSettle);
    this.#contactSettle = this.#clock.setTimer(CONTACT_SETTLE_MS, () => {
      this.#contactSettle = undefined;
      const open = this.#session?.inputs?.contactOpen;
      if (open !== undefined) this.home.pushWindow(open);
    });
  }

  #assertReady(): void {
    if (this.#state !== 'ready') {
      throw new BridgeError(ErrorCode.LINK_NOT_READY, `the Firmata board is ${this.#state === 'stopped' ? 'not started' : this.#state}`, { state: this.#state });
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
