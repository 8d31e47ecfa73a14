import type { Logger } from 'pino';
import { BridgeError, ErrorCode, toBridgeError } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import type { DevicesConfig } from '../config/schema.js';
import { homeAddress } from './addressing.js';
import { FleetClock } from './fleet-clock.js';
import { FleetHome, type FleetHomeOptions } from './fleet-home.js';
import { Histogram } from './histogram.js';
import type { FleetStats } from './stats.js';
import { loadFirmware, DEFAULT_FIRMWARE_HEX } from '../board/firmware-file.js';
import { hasFaultInjection, type LinkFault, type LinkFaultOptions } from '../links/faults.js';
import { BoardMonitor, BoardProbe, createFirmwareHomeLink, warmUpBoardEmulator } from './firmware-home.js';
import { homeKind, type FleetMix } from './mix.js';
import { GatewayConnection } from './gateway.js';
import { BusClient } from '../bus/client.js';
import { ConnectPacer, PACER_DEFAULTS } from './connect-pacer.js';
import { settleFleetHeap } from './heap-tuning.js';
import { BootGate } from './boot-gate.js';
import { brokerOptionsOf, type FleetBrokerOptions } from './broker-options.js';

/** A home's cell in the panel's fleet grid: not started yet, connecting, online, connection lost. */
export const CELL_WAITING = 0;
export const CELL_CONNECTING = 1;
export const CELL_ONLINE = 2;
export const CELL_LOST = 3;

export interface FleetCells {
  state: Uint8Array;
  lateMs: Uint16Array;
}

/**
 * The homes one thread runs. Connections are opened as fast as the broker keeps answering (or at a
 * fixed `connectRate`), with a bounded number waiting for their CONNACK at a time, so an unreachable
 * broker does not get thousands of sockets at once (connect-pacer.ts). Every home shares one FleetClock.
 */
export interface SliceOptions extends FleetBrokerOptions {
  indices: readonly number[];
  prefix: string;
  config: DevicesConfig;
  /**
   * When this slice's connecting ends, collect its thread's heap once and keep the heap close to the homes
   * from then on (heap-tuning.ts). The CLI asks for it; a program embedding a fleet keeps its own heap.
   */
  settleHeap?: boolean | undefined;
  /** Connections opened per second, fixed (this slice's share); undefined: adaptive (connect-pacer.ts). */
  connectRate?: number | undefined;
  /** Least time between two batches of the homes' timers (--tick; default DEFAULT_TICK_MS). */
  tickMs?: number | undefined;
  /** Adaptive pacing: this slice's share of the fleet's rates and window (1 / workers; default 1). */
  connectShare?: number | undefined;
  /** Keep every home's status in a file of its own here (--state-dir). */
  stateDir?: string | undefined;
  /** Which homes run the firmware (default: none); indices are of the whole fleet. */
  mix?: FleetMix | undefined;
  /** Firmware .hex of the firmware homes (default: the committed build). */
  hex?: string | undefined;
  /**
   * Gateway mode (--connections): the numbers of this slice's shared connections; the homes are split
   * over them in contiguous blocks, and `connectRate` still counts connections.
   */
  gateways?: readonly number[] | undefined;
  logger: Logger;
}

export interface SliceEvents {
  [event: string]: unknown[];
  /** The broker refused the fleet for good (credentials, permissions): nothing more is started. */
  fatal: [BridgeError];
}

const PACE_MS = 20;
/**
 * Launching holds the thread at most this long at a time; the rest of a tick's allowance follows after
 * the thread has read its sockets (setImmediate). Launching a home costs ~0.5 ms, so a tick of a fast
 * rate held the thread for a second: CONNACKs waited unread, the pacer took that wait for the broker's
 * and backed off, and the live line stood still.
 */
const LAUNCH_SLICE_MS = 5;
/** How long after its connecting ends a slice settles its heap (heap-tuning.ts). */
const SETTLE_HEAP_AFTER_MS = 1000;
/** Connecting counts as ended this long after the last launch even with first attempts still pending. */
const CONNECTING_ENDS_AFTER_MS = 10_000;
/**
 * Boards booting at once per thread. A board's boot (BOOT, the CFG answer, GET: ~32 ms of board time)
 * costs the thread a few ms of CPU; eight at a time keep each boot near its own length while the thread
 * stays busy (bench/firmware-fleet.ts: boot → boot status per board in a fleet of 100).
 */
const BOOTS_AT_ONCE = 8;

export class FleetSlice extends TypedEmitter<SliceEvents> {
  readonly clock: FleetClock;
  readonly #o: SliceOptions;
  readonly #homes: FleetHome[] = [];
  readonly #lateness = new Histogram();
  readonly #ack = new Histogram();
  #reports = 0;
  #errors = 0;
  #disconnects = 0;
  #next = 0;
  readonly #pacer: ConnectPacer;
  #ticker: NodeJS.Timeout | undefined;
  #resume: NodeJS.Immediate | undefined;
  #settle: NodeJS.Timeout | undefined;
  #allLaunchedAt: number | undefined;
  #fatal: BridgeError | undefined;
  #stopped = false;
  readonly #byIndex = new Map<number, FleetHome>();
  #boards: BoardMonitor | undefined;
  readonly #bootGate = new BootGate(BOOTS_AT_ONCE);
  #program: Uint16Array | undefined;
  /** Last report lateness per home (ms, clipped), in the order of `indices`: the panel's fleet grid. */
  readonly #lateMs: Uint16Array;
  readonly #gateways: GatewayConnection[] = [];

  constructor(options: SliceOptions) {
    super();
    this.clock = new FleetClock({ tickMs: options.tickMs });
    const fixed = options.connectRate;
    if (fixed !== undefined && !(fixed > 0))
      throw new BridgeError(ErrorCode.CONFIG_INVALID, `--connect-rate must be positive, got ${fixed}`);
    this.#o = options;
    // Gateway mode: a fixed rate counts connections, and a connection's block of homes starts with it.
    const perGateway = options.gateways?.length ? Math.ceil(options.indices.length / options.gateways.length) : 1;
    const share = options.connectShare ?? 1;
    this.#pacer = new ConnectPacer(
      {
        fixedRate: fixed === undefined ? undefined : fixed * perGateway,
        initialRate: PACER_DEFAULTS.initialRate * share,
        maxRate: PACER_DEFAULTS.maxRate * share,
        maxInFlight: Math.ceil(PACER_DEFAULTS.maxInFlight * share),
      },
      () => performance.now(),
    );
    this.#lateMs = new Uint16Array(options.indices.length);
  }

  get homes(): readonly FleetHome[] {
    return this.#homes;
  }

  /** Starts opening connections (returns at once; watch `stats()`). */
  start(): void {
    if (this.#ticker || this.#stopped) return;
    const mix = this.#o.mix;
    if (mix && this.#program === undefined && this.#o.indices.some((i) => homeKind(i, mix) === 'firmware')) {
      // The .hex is read once per thread; every board of the thread runs the same parsed image.
      this.#boards = new BoardMonitor();
      loadFirmware(this.#o.hex ?? DEFAULT_FIRMWARE_HEX).then(
        (program) => {
          warmUpBoardEmulator(program);
          this.#program = program;
          this.start();
        },
        (e: unknown) => this.#fail(toBridgeError(e)),
      );
      return;
    }
    this.#pace();
    this.#ticker = setInterval(() => this.#pace(), PACE_MS);
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
    const gateways = this.#o.gateways?.length
      ? { connections: this.#o.gateways.length, connectionsUp: this.#gateways.filter((g) => g.connected).length }
      : {};
    return {
      ...gateways,
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
      connect: this.#pacer.stats(),
      ...(this.#boards ? { boards: this.#boards.stats() } : {}),
      ...(this.#fatal ? { fatal: this.#fatal.message } : {}),
    };
  }

  /**
   * One cell per home, in the order of `indices`: its connection state (CELL_*) and the lateness of its
   * last report, ms. Cheap enough to take every second at 10,000 homes.
   */
  cells(): FleetCells {
    const state = new Uint8Array(this.#o.indices.length);
    for (let i = 0; i < this.#homes.length; i++) {
      const bus = this.#homes[i]!.bus;
      state[i] = bus.connected ? CELL_ONLINE : bus.counters.connects > 0 ? CELL_LOST : CELL_CONNECTING;
    }
    return { state, lateMs: this.#lateMs.slice() };
  }

  /** Every home announces offline and disconnects; the clock is released. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#ticker);
    clearImmediate(this.#resume);
    clearTimeout(this.#settle);
    this.#boards?.stop();
    await Promise.all(this.#homes.map((h) => h.stop().catch(() => undefined)));
    await Promise.all(this.#gateways.map((g) => g.stop().catch(() => undefined)));
    this.clock.dispose();
  }

  /**
   * Injects a link fault (unplug, replug, board-reset, serial-garbage) into one home of this slice;
   * rejects FAULT_UNSUPPORTED for a home whose link has no such fault (the emulated home), and
   * CONFIG_INVALID for a home this slice does not run or has not started yet.
   */
  async inject(index: number, fault: LinkFault, options: LinkFaultOptions = {}): Promise<void> {
    const home = this.#byIndex.get(index);
    const id = homeAddress(this.#o.prefix, index).id;
    if (!home)
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        `cannot inject ${fault} into ${id}: it is not running here (not in this shard, or not started yet)`,
      );
    const link = home.link;
    if (!hasFaultInjection(link) || !link.faults.supported.includes(fault)) {
      throw new BridgeError(
        ErrorCode.FAULT_UNSUPPORTED,
        `cannot inject ${fault} into ${id}: its ${link.kind} link offers ` +
          `${hasFaultInjection(link) ? link.faults.supported.join(', ') || 'no faults' : 'no fault injection'}`,
        { home: id, fault },
      );
    }
    await link.faults.inject(fault, options);
  }

  #fail(e: BridgeError): void {
    if (this.#fatal || this.#stopped) return;
    this.#fatal = e;
    this.emit('fatal', e);
  }

  #pace(): void {
    if (this.#stopped || this.#fatal) return;
    const o = this.#o;
    clearImmediate(this.#resume); // the ticker came first: one resumption at a time
    this.#resume = undefined;
    const n = Math.min(this.#pacer.take(), o.indices.length - this.#next);
    const until = performance.now() + LAUNCH_SLICE_MS;
    let k = 0;
    for (; k < n && (k === 0 || performance.now() < until); k++) this.#launch(o.indices[this.#next++]!);
    if (k < n) this.#resume = setImmediate(() => this.#pace());
    if (this.#next < o.indices.length) return;
    const now = performance.now();
    this.#allLaunchedAt ??= now;
    // Connecting has ended when no first attempt is pending, or a while after the last launch whatever
    // the broker does; a moment later (the last homes' first publishes out) this thread settles its heap.
    const ended = this.#pacer.inFlight === 0 || now - this.#allLaunchedAt >= CONNECTING_ENDS_AFTER_MS;
    if (ended && o.settleHeap && this.#settle === undefined)
      this.#settle = setTimeout(() => this.#settleHeap(), SETTLE_HEAP_AFTER_MS);
    // The ticker runs on after the last launch only to keep the pacer's figures current.
    if (this.#pacer.inFlight === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  #settleHeap(): void {
    if (this.#stopped) return;
    const ms = settleFleetHeap();
    if (ms > 0) this.#o.logger.info({ pauseMs: Math.round(ms) }, 'homes up: heap collected and compacted once');
  }

  #boardConfig: DevicesConfig | undefined;
  /**
   * A firmware home's bridge publishes every reading its board sends: the sketch's compiled-in periods
   * are the home's report rate (a fleet is a load), as `--report-period` is an emulated home's.
   */
  #firmwareConfig(): DevicesConfig {
    const c = this.#o.config;
    this.#boardConfig ??= { ...c, bus: { ...c.bus, sensorReports: { ...c.bus.sensorReports, mode: 'period' } } };
    return this.#boardConfig;
  }

  /**
   * The shared connection of the home at `position` (gateway mode): connection c carries positions
   * ⌊c·n/K⌋ … ⌊(c+1)·n/K⌋−1. Contiguous blocks, because homes start in order: a connection is opened
   * with the first home of its block, so connections open one after another at the connect rate.
   */
  #gatewayFor(position: number): GatewayConnection | undefined {
    const o = this.#o;
    const numbers = o.gateways;
    if (!numbers?.length) return undefined;
    const n = o.indices.length;
    const k = numbers.length;
    let c = this.#gateways.length - 1;
    if (c < 0 || position >= Math.floor(((c + 1) * n) / k)) {
      c++;
      const gateway = new GatewayConnection({
        number: numbers[c]!,
        prefix: o.prefix,
        homes: o.indices.slice(Math.floor((c * n) / k), Math.floor(((c + 1) * n) / k)),
        config: o.config,
        clock: this.clock,
        ...brokerOptionsOf(o),
        logger: o.logger,
      });
      gateway.bus.on('disconnected', () => {
        if (!this.#stopped) this.#disconnects++;
      });
      gateway.bus.on('fatal', (e) => this.#fail(e));
      this.#gateways.push(gateway);
    }
    return this.#gateways[c];
  }

  /** The shared connections opened so far (gateway mode). */
  get gateways(): readonly GatewayConnection[] {
    return this.#gateways;
  }

  #launch(index: number): void {
    const o = this.#o;
    const position = this.#homes.length;
    const clock = this.clock;
    const address = homeAddress(o.prefix, index);
    let link: FleetHomeOptions['link'];
    let bootGate: BootGate | undefined;
    if (o.mix && this.#program && this.#boards && homeKind(index, o.mix) === 'firmware') {
      const firmware = createFirmwareHomeLink({
        config: o.config,
        program: this.#program,
        source: o.hex ?? DEFAULT_FIRMWARE_HEX,
        index,
        origin: clock.now(),
        logger: o.logger.child({ home: address.id }),
      });
      this.#boards.add(new BoardProbe(address.id, firmware));
      link = firmware;
      bootGate = this.#bootGate;
    }
    const home = new FleetHome({
      link,
      address,
      config: link ? this.#firmwareConfig() : o.config,
      clock,
      ...brokerOptionsOf(o),
      stateDir: o.stateDir,
      gateway: this.#gatewayFor(position),
      bootGate,
      logger: o.logger,
      observer: {
        ack: (ms) => this.#ack.record(ms),
        error: () => this.#errors++,
      },
      onReport: () => {
        this.#reports++;
        const due = clock.firingDue;
        if (due !== undefined) {
          const late = clock.now() - due;
          this.#lateness.record(late);
          this.#lateMs[position] = Math.min(65535, Math.max(0, Math.round(late)));
        }
      },
    });
    this.#homes.push(home);
    this.#byIndex.set(index, home);
    const firstAttempt = this.#paceOn(home);
    home.start().then(
      () => undefined,
      (e: unknown) => {
        firstAttempt(false);
        this.#errors++;
        if (this.#fatal || this.#stopped) return;
        this.#fatal = toBridgeError(e);
        this.emit('fatal', this.#fatal);
      },
    );
  }

  /**
   * Feeds the pacer with the outcome of a home's first connection attempt (later retries follow the
   * home's own backoff) and counts the home's lost connections; returns what to call when the home's
   * start fails. A home on a shared gateway connection opens no connection of its own: its launch is
   * done at once, and a lost connection is counted once, on the connection (#gatewayFor).
   */
  #paceOn(home: FleetHome): (ok: boolean) => void {
    const startedAt = this.#pacer.launched();
    const bus = home.bus;
    if (!(bus instanceof BusClient)) {
      this.#pacer.connected(startedAt);
      return () => undefined;
    }
    bus.on('disconnected', () => {
      if (!this.#stopped) this.#disconnects++;
    });
    let first = true;
    const onConnected = (): void => firstAttempt(true);
    const onFailed = (): void => firstAttempt(false);
    const firstAttempt = (ok: boolean): void => {
      if (!first) return;
      first = false;
      bus.off('connected', onConnected);
      bus.off('attemptFailed', onFailed);
      if (ok) this.#pacer.connected(startedAt);
      else this.#pacer.failed();
    };
    bus.once('connected', onConnected);
    bus.once('attemptFailed', onFailed);
    return firstAttempt;
  }
}
