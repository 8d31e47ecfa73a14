import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock, Timer } from '../../environment/clock.js';
import type { BoardLine } from './line-types.js';

export type BootLine = Extract<BoardLine, { type: 'boot' }>;

/**
 * The first step of the handshake after opening a port: wait for the board's BOOT line. Resolves with
 * it, or with undefined when `ms` pass without one (the board may not have reset on open); rejects
 * through `fail()` (port lost, protocol mismatch, link stopped).
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
    this.#settle(() => this.#resolve(line));
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
      : `${c.bytes} bytes were received but no protocol line${noise.length ? ` (dropped: ${noise.map(([k, n]) => `${n} ${k}`).join(', ')})` : ''}`;
  return new BridgeError(
    ErrorCode.LINK_TIMEOUT,
    `no smarthome board answered on ${c.path} at ${c.baudRate} baud within ${Math.round(c.waitedMs)} ms: no BOOT line and no answer to PING; ${heard}. ` +
      'Likely causes: the wrong port (`smarthome-bridge ports`), the smarthome sketch not flashed (see README "Real Uno"), ' +
      `or a wrong baud rate (the sketch speaks 115200${c.baudRate === 115_200 ? '' : `, not ${c.baudRate}`}).`,
    { path: c.path, baudRate: c.baudRate, bytes: c.bytes, noise: c.noise },
  );
}
