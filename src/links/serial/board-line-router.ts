import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock } from '../../environment/clock.js';
import type { StatusCause, StatusString } from '../../home/types.js';
import type { LinkEvents } from '../link.js';
import type { BootLine } from './handshake.js';
import { decodeBoardLine } from './line-codec.js';
import type { BoardCounters, BoardLine, LineErrorCode } from './line-types.js';
import type { BoardReply } from './request-tracker.js';

export interface BoardLineRouterOptions {
  clock: Clock;
  log: Logger;
  emit: <K extends 'sensor' | 'event' | 'error'>(event: K, payload: LinkEvents[K][0]) => void;
  onBoot: (line: BootLine) => void;
  /** Returns false when the reply answers nothing in flight. */
  onReply: (line: BoardReply) => boolean;
  /** A CFG line: part of the board's answer to CFG. */
  onBuild: (line: Extract<BoardLine, { type: 'build' }>) => void;
  onStatus: (status: StatusString, cause: StatusCause) => void;
  /** The heartbeat's uptime went back: the board restarted and its BOOT line was lost. */
  onBoardRestart: () => void;
  count: (key: string) => void;
}

const DROP_KEYS: Record<LineErrorCode, string> = {
  [ErrorCode.LINE_CHECKSUM]: 'checksum',
  [ErrorCode.LINE_TOO_LONG]: 'tooLong',
  [ErrorCode.LINE_GARBLED]: 'garbled',
  [ErrorCode.LINE_UNKNOWN]: 'unknown',
};

/**
 * Turns the board's lines into link events and counters. Lines that are not exactly protocol lines are
 * dropped, counted by cause and reported as `error` — except while the handshake runs, when they are
 * boot noise (a real Uno resets on open and its bootloader may print junk) and only counted.
 */
export class BoardLineRouter {
  readonly #o: BoardLineRouterOptions;
  #boardCounters: BoardCounters | undefined;
  #lastUptime: number | undefined;
  #noise: Record<string, number> = {};

  constructor(options: BoardLineRouterOptions) {
    this.#o = options;
  }

  get boardCounters(): BoardCounters | undefined {
    return this.#boardCounters;
  }
  /** Lines dropped as boot noise since the port opened, by cause. */
  get noise(): Record<string, number> {
    return { ...this.#noise };
  }

  /** A new port session: forget the noise and the uptime of the previous one. */
  resetSession(): void {
    this.#noise = {};
    this.#lastUptime = undefined;
  }

  /** Handles one complete line; returns true when it was a protocol line (the board is alive). */
  route(text: string, handshake: boolean): boolean {
    const line = decodeBoardLine(text);
    if (line.type === 'rejected') {
      this.drop(line.code, line.reason, handshake, text);
      return false;
    }
    this.#handle(line);
    return true;
  }

  drop(code: LineErrorCode, reason: string, handshake: boolean, text?: string): void {
    const key = DROP_KEYS[code];
    if (handshake) {
      this.#noise[key] = (this.#noise[key] ?? 0) + 1;
      this.#o.count('bootNoise');
      this.#o.log.debug({ code, reason }, 'boot noise dropped');
      return;
    }
    this.#o.count(key);
    this.#o.emit('error', new BridgeError(code, `dropped a line from the board: ${reason}`, text === undefined ? {} : { excerpt: text.slice(0, 80) }));
  }

  #handle(line: BoardLine): void {
    const time = this.#o.clock.now();
    switch (line.type) {
      case 'boot':
        this.#lastUptime = undefined;
        return this.#o.onBoot(line);
      case 'ack':
      case 'error':
        if (!this.#o.onReply(line)) this.#o.log.debug({ id: line.id, type: line.type }, 'reply to no request in flight (late duplicate)');
        return;
      case 'status':
        // A STATUS request line answers a GET whose ACK carries the same status; the requester
        // reports it with the right cause (request or resync), so it is not reported twice.
        if (line.cause !== 'request') this.#o.onStatus(line.status, line.cause);
        return;
      case 'climate':
        return this.#o.emit('sensor', { sensor: 'climate', temperature: line.temperature, humidity: line.humidity, time });
      case 'rain':
        return this.#o.emit('sensor', { sensor: 'rain', raining: line.raining, time });
      case 'event':
        return this.#o.emit('event', line.event === 'button' ? { event: 'button', button: line.button, time } : { event: 'window', open: line.open, time });
      case 'heartbeat': {
        this.#boardCounters = line.counters;
        // millis() wraps after 49.7 days; a wrap reads as a restart too, which only costs one GET.
        const restarted = this.#lastUptime !== undefined && line.uptime < this.#lastUptime;
        this.#lastUptime = line.uptime;
        if (restarted) this.#o.onBoardRestart();
        return;
      }
      case 'counters':
        return; // answers CNT, which this host does not send; heartbeats carry the same counters
      case 'build':
        return this.#o.onBuild(line);
      case 'log':
        this.#o.count('boardLogs');
        this.#o.log[line.level]({ code: line.code, text: line.text }, `board: ${line.code}${line.text ? ` ${line.text}` : ''}`);
        return;
    }
  }
}
