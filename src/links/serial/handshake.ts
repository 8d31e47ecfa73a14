import type { Logger } from 'pino';
import { BridgeError, ErrorCode, isBridgeError, toBridgeError } from '../../core/errors.js';
import { findBuildMismatch } from '../../config/board-build.js';
import type { DevicesConfig } from '../../config/schema.js';
import type { Clock, Timer } from '../../environment/clock.js';
import { assertProtocolVersion } from './line-codec.js';
import type { BoardLine } from './line-types.js';

export type BootLine = Extract<BoardLine, { type: 'boot' }>;

/**
 * The first step of the handshake after opening a port: wait for the board's BOOT line. Resolves with
 * it, or with undefined when `ms` pass without one (the board may not have reset on open); rejects on
 * a protocol mismatch and through `fail()` (port lost, link stopped).
 */
export class BootWait {
  readonly result: Promise<BootLine | undefined>;
  #resolve!: (boot: BootLine | undefined) => void;
  #reject!: (error: BridgeError) => void;
  readonly #clock: Clock;
  readonly #timer: Timer;
  #done = false;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.result = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timer = clock.setTimer(ms, () => this.#settle(() => this.#resolve(undefined)));
  }

  get done(): boolean {
    return this.#done;
  }

  boot(line: BootLine): void {
    try {
      assertProtocolVersion(line);
      this.#settle(() => this.#resolve(line));
    } catch (e) {
      this.fail(toBridgeError(e));
    }
  }

  fail(error: BridgeError): void {
    this.#settle(() => this.#reject(error));
  }

  #settle(fn: () => void): void {
    if (this.#done) return;
    this.#done = true;
    this.#clock.clearTimer(this.#timer);
    fn();
  }
}

export interface GreetOptions {
  bootWait: BootWait;
  /** Sends a lone `\n`, which pushes any partial line out of the board's receive buffer (protocol §2). */
  flush: () => void;
  /** Sends PING (with the usual ack timeout and retries). */
  ping: () => Promise<unknown>;
  log: Logger;
  path: string;
  noAnswer: () => BridgeError;
}

/**
 * Waits for BOOT; without one, probes with PING. A board that did not reset on open keeps running and
 * answers PING; a protocol-1 ACK shows it speaks this protocol (a different one would not parse).
 */
export async function greet(o: GreetOptions): Promise<BootLine | undefined> {
  const boot = await o.bootWait.result;
  if (boot) {
    o.log.info(
      { firmware: boot.firmware, protocol: boot.protocol, board: boot.board },
      `board ${boot.board} ${boot.firmware} booted on ${o.path}`,
    );
    return boot;
  }
  o.log.info(`no BOOT line on ${o.path}; probing with PING (a board that did not reset on open)`);
  // A board that kept running may hold half a line from before (a cable pulled mid-line).
  o.flush();
  await o.ping().catch((e: unknown) => {
    throw isBridgeError(e, ErrorCode.LINK_TIMEOUT) ? o.noAnswer() : e;
  });
  return undefined;
}

export interface BuildCheckOptions {
  /** The devices.json the board must be built from. */
  config: DevicesConfig;
  /** Sends CFG and resolves once its ACK came; the CFG lines before it fill `report`. */
  ask: () => Promise<unknown>;
  report: ReadonlyMap<string, readonly string[]>;
  /** The BOOT line, when the board reset on open: names the board and its firmware. */
  boot: BootLine | undefined;
  path: string;
}

/**
 * Asks the board for the pins and timings it was built with (CFG) and refuses a build that disagrees
 * with devices.json, naming the first field that differs and both values. A board that does not
 * answer CFG (firmware before 1.1.0) is refused too: it cannot show that it matches.
 */
export async function checkBuild(o: BuildCheckOptions): Promise<void> {
  const who = `the board on ${o.path}${o.boot ? ` (${o.boot.board}, firmware ${o.boot.firmware})` : ''}`;
  await o.ask().catch((e: unknown) => {
    if (!isBridgeError(e, ErrorCode.LINK_TIMEOUT)) throw e;
    throw new BridgeError(
      ErrorCode.BOARD_BUILD_MISMATCH,
      `${who} did not report the pins and timings it was built with (CFG, firmware 1.1.0 and later): ` +
        'build the firmware from this devices.json (npm run firmware:build) and flash it',
      { path: o.path },
    );
  });
  const mismatch = findBuildMismatch(o.config, o.report);
  if (mismatch === undefined) return;
  throw new BridgeError(
    ErrorCode.BOARD_BUILD_MISMATCH,
    `${who} was built with ${mismatch.path} ${mismatch.board ?? '(not reported)'}, but devices.json says ` +
      `${mismatch.expected}: ` +
      'build the firmware from this devices.json (npm run firmware:build) and flash it',
    { path: o.path, field: mismatch.path, board: mismatch.board, expected: mismatch.expected },
  );
}

export interface NoAnswerContext {
  path: string;
  baudRate: number;
  waitedMs: number;
  /** Lines dropped as noise while waiting, by cause. */
  noise: Record<string, number>;
  bytes: number;
}

/** The board never said BOOT and never answered PING: name the likely causes. */
export function noAnswerError(c: NoAnswerContext): BridgeError {
  const noise = Object.entries(c.noise).filter(([, n]) => n > 0);
  const heard =
    c.bytes === 0
      ? 'nothing was received'
      : `${c.bytes} bytes were received but no protocol ` +
        `line${noise.length ? ` (dropped: ${noise.map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`;
  return new BridgeError(
    ErrorCode.LINK_TIMEOUT,
    `no smarthome board answered on ${c.path} at ${c.baudRate} baud within ${Math.round(c.waitedMs)} ms: no ` +
      `BOOT line and no answer to PING; ${heard}. ` +
      'Likely causes: the wrong port (`smarthome-bridge ports`), the smarthome sketch not flashed (see README ' +
      '"Real Uno"), ' +
      `or a wrong baud rate (the sketch speaks 115200${c.baudRate === 115_200 ? '' : `, not ${c.baudRate}`}).`,
    { path: c.path, baudRate: c.baudRate, bytes: c.bytes, noise: c.noise },
  );
}
