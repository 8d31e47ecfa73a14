import type { Logger } from 'pino';
import { BridgeError, ErrorCode, toBridgeError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import type { DevicesConfig } from '../config/schema.js';
import { homeAddress } from './addressing.js';
import { FleetClock } from './fleet-clock.js';
import { FleetHome } from './fleet-home.js';
import { Histogram } from './histogram.js';
import type { FleetStats } from './stats.js';
import type { TlsOptions } from '../bus/tls-options.js';

/**
 * The homes one thread runs. Connections are opened at `connectRate` per second, and at most one
 * second's worth wait for their CONNACK at a time, so an unreachable broker does not get thousands
 * of sockets at once. Every home shares one FleetClock.
 */
export interface SliceOptions {
  indices: readonly number[];
  prefix: string;
  config: DevicesConfig;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?: TlsOptions | undefined;
  keepaliveS: number;
  queueSize: number;
  /** Connections opened per second (this slice's share). */
  connectRate: number;
  logger: Logger;
}

export interface SliceEvents {
  [event: string]: unknown[];
  /** The broker refused the fleet for good (credentials, permissions): nothing more is started. */
  fatal: [BridgeError];
}

const PACE_MS = 20;

export class FleetSlice extends TypedEmitter<SliceEvents> {
  readonly clock = new FleetClock();
  readonly #o: SliceOptions;
  readonly #homes: FleetHome[] = [];
  readonly #lateness = new Histogram();
  readonly #ack = new Histogram();
  #reports = 0;
  #errors = 0;
  #disconnects = 0;
  #connecting = 0;
  #next = 0;
  #allowance = 0;
  #pacer: NodeJS.Timeout | undefined;
  #fatal: BridgeError | undefined;
  #stopped = false;

  constructor(options: SliceOptions) {
    super();
    if (!(options.connectRate > 0)) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--connect-rate must be positive, got ${options.connectRate}`);
    this.#o = options;
  }

  get homes(): readonly FleetHome[] {
    return this.#homes;
  }

  /** Starts opening connections (returns at once; watch `stats()`). */
  start(): void {
    if (this.#pacer || this.#stopped) return;
    let last = performance.now();
    this.#pace(PACE_MS);
    this.#pacer = setInterval(() => {
      const now = performance.now();
      this.#pace(now - last);
      last = now;
    }, PACE_MS);
  }

  stats(): FleetStats {
    let connected = 0;
    let messagesIn = 0;
    let messagesOut = 0;
    for (const h of this.#homes) {
      if (h.bus.connected) connected++;
      messagesIn += h.bus.counters.messagesIn;
      messagesOut += h.bus.counters.messagesOut;
    }
    return {
      homes: this.#o.indices.length,
      started: this.#homes.length,
      connected,
      messagesIn,
      messagesOut,
      reports: this.#reports,
      errors: this.#errors,
      disconnects: this.#disconnects,
      lateness: this.#lateness.snapshot(),
      ackLatency: this.#ack.snapshot(),
      ...(this.#fatal ? { fatal: this.#fatal.message } : {}),
    };
  }

  /** Every home announces offline and disconnects; the clock is released. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#pacer);
    await Promise.all(this.#homes.map((h) => h.stop().catch(() => undefined)));
    this.clock.dispose();
  }

  #pace(elapsedMs: number): void {
    if (this.#stopped || this.#fatal) return;
    const o = this.#o;
    // A late tick may start a little burst, but never more than one second's worth.
    this.#allowance = Math.min(this.#allowance + (o.connectRate * elapsedMs) / 1000, Math.max(1, o.connectRate));
    const maxConnecting = Math.max(50, Math.ceil(o.connectRate));
    while (this.#allowance >= 1 && this.#next < o.indices.length && this.#connecting < maxConnecting) {
      this.#allowance -= 1;
      this.#launch(o.indices[this.#next++]!);
    }
    if (this.#next >= o.indices.length) {
      clearInterval(this.#pacer);
      this.#pacer = undefined;
    }
  }

  #launch(index: number): void {
    const o = this.#o;
    const clock = this.clock;
    const home = new FleetHome({
      address: homeAddress(o.prefix, index),
      config: o.config,
      clock,
      url: o.url,
      username: o.username,
      password: o.password,
      tls: o.tls,
      keepaliveS: o.keepaliveS,
      queueSize: o.queueSize,
      logger: o.logger,
      observer: {
        ack: (ms) => this.#ack.record(ms),
        error: () => this.#errors++,
      },
      onReport: () => {
        this.#reports++;
        const due = clock.firingDue;
        if (due !== undefined) this.#lateness.record(clock.now() - due);
      },
    });
    home.bus.on('disconnected', () => {
      if (!this.#stopped) this.#disconnects++;
    });
    this.#homes.push(home);
    this.#connecting++;
    home.start().then(
      () => this.#connecting--,
      (e: unknown) => {
        this.#connecting--;
        this.#errors++;
        if (this.#fatal || this.#stopped) return;
        this.#fatal = toBridgeError(e);
        this.emit('fatal', this.#fatal);
      },
    );
  }
}
