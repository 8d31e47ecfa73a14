import type { Logger } from 'pino';
import type { DevicesConfig } from '../config/schema.js';
import { FirmwareLink } from '../links/firmware/firmware-link.js';
import type { BoardFigures, BoardStats } from './board-stats.js';
import { Histogram } from './histogram.js';
import { Board } from '../board/board.js';
import { encodeHostLine } from '../links/serial/line-codec.js';

/**
 * The firmware homes of a fleet: our sketch on an emulated Uno behind the very FirmwareLink that
 * `run --link firmware` uses, paced to real time, and the figures of each board.
 */
export interface FirmwareHomeLinkOptions {
  config: DevicesConfig;
  /** The parsed .hex, shared by every board of the thread (the CPU only reads it). */
  program: Uint16Array;
  source: string;
  index: number;
  /** Board time 0 on the fleet clock's timeline, so the room's time of day is the fleet's. */
  origin: number;
  logger?: Logger | undefined;
}

export function createFirmwareHomeLink(o: FirmwareHomeLinkOptions): FirmwareLink {
  return new FirmwareLink({
    config: o.config,
    program: o.program,
    source: o.source,
    speed: 1,
    origin: o.origin,
    // Each room its own weather, as an emulated home of the fleet (devices.json seed + index).
    seed: (o.config.environment.seed + o.index) >>> 0,
    logger: o.logger,
    // A board that falls behind catches up and its lag is measured and shown; forgiving the lag (the
    // runner's default beyond 250 ms) would slow the board down silently.
    maxLagMs: Infinity,
  });
}

/**
 * Runs a throwaway board through a boot and a handshake's requests (CFG, GET), unpaced and unconnected,
 * before a thread powers its first home's board. The emulator's code is compiled by V8 on first use;
 * without this the first boards of every thread spend most of their boot (hundreds of ms, several
 * times their own length) waiting for that compilation while other homes connect. A few ms of CPU,
 * once per thread.
 */
export function warmUpBoardEmulator(program: Uint16Array): void {
  const board = new Board(program);
  board.runFor(10);
  board.writeSerial(encodeHostLine({ type: 'build', id: 1 }) + encodeHostLine({ type: 'get', id: 2 }));
  board.runFor(60);
}

const NEWLINE = 10;
const round2 = (v: number): number => Math.round(v * 100) / 100;

/** One board's figures: lag samples, lines sent, boot time. */
export class BoardProbe {
  readonly lag = new Histogram();
  lagMax = 0;
  lines = 0;
  bootMs: number | undefined;
  #startedAt: number | undefined;
  /** Boots when the link started; that start's port open resets the board once more (DTR), not a fault. */
  #bootsAtStart: number | undefined;

  constructor(
    readonly home: string,
    readonly link: FirmwareLink,
  ) {
    link.board.onSerial((bytes) => {
      for (const b of bytes) if (b === NEWLINE) this.lines++;
    });
    // The serial link's start opens the port, which powers and boots the board.
    link.on('state', (state) => {
      if (state !== 'starting' || this.#startedAt !== undefined) return;
      this.#startedAt = performance.now();
      this.#bootsAtStart = link.board.boots + 1;
    });
    link.on('status', (r) => {
      if (r.cause === 'boot' && this.bootMs === undefined && this.#startedAt !== undefined)
        this.bootMs = performance.now() - this.#startedAt;
    });
  }

  /** Records the board's lag now; undefined while the board is not running (not started, stopped). */
  sample(): number | undefined {
    if (!this.link.board.running) return undefined;
    const lag = this.link.board.runner.lagMs;
    this.lag.record(lag);
    if (lag > this.lagMax) this.lagMax = lag;
    return lag;
  }

  figures(): BoardFigures {
    const c = this.link.counters();
    return {
      home: this.home,
      lagP50: round2(this.lag.percentile(50)),
      lagP99: round2(this.lag.percentile(99)),
      lagMax: round2(this.lagMax),
      mhz: round2(this.link.board.mhz ?? 0),
      lines: this.lines,
      checksumErrors: c['checksum'] ?? 0,
      resets: this.#bootsAtStart === undefined ? 0 : Math.max(0, this.link.board.boots - this.#bootsAtStart),
      bootMs: this.bootMs === undefined ? undefined : round2(this.bootMs),
      unplugged: this.link.cable.unplugged,
    };
  }
}

const SAMPLE_MS = 100;

/** Samples every board of a thread every 100 ms of wall time and adds their figures up. */
export class BoardMonitor {
  readonly #probes: BoardProbe[] = [];
  readonly #lag = new Histogram();
  #timer: NodeJS.Timeout | undefined;

  add(probe: BoardProbe): void {
    this.#probes.push(probe);
    this.#timer ??= setInterval(() => {
      for (const p of this.#probes) {
        const lag = p.sample();
        if (lag !== undefined) this.#lag.record(lag);
      }
    }, SAMPLE_MS);
  }

  stats(): BoardStats {
    const each = this.#probes.map((p) => p.figures());
    const boot = new Histogram();
    for (const f of each) if (f.bootMs !== undefined) boot.record(f.bootMs);
    return {
      boards: each.length,
      lag: this.#lag.snapshot(),
      lagMax: Math.max(0, ...each.map((f) => f.lagMax)),
      mhz: each.reduce((s, f) => s + f.mhz, 0),
      mhzMin: each.length ? Math.min(...each.map((f) => f.mhz)) : 0,
      lines: each.reduce((s, f) => s + f.lines, 0),
      checksumErrors: each.reduce((s, f) => s + f.checksumErrors, 0),
      resets: each.reduce((s, f) => s + f.resets, 0),
      boot: boot.snapshot(),
      each,
    };
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
