import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock } from '../../environment/clock.js';
import type { HomeEvent, SensorReading, StatusString } from '../../home/types.js';
import type { BootLine } from './handshake.js';
import { decodeBoardLine } from './line-codec.js';
import type { BoardCounters, BoardLine, LineErrorCode, WireStatusCause } from './line-types.js';
import type { BoardReply } from './request-tracker.js';

/** What one line from the board means to the serial link: the router's typed answer. */
export type RoutedLine =
  /** Not a protocol line: counted; `error` is set when it is to be reported (not during the handshake). */
  | { type: 'dropped'; error?: BridgeError | undefined }
  /** A protocol line with nothing for the link to do (heartbeat, log, counters): the board is alive. */
  | { type: 'alive' }
  | { type: 'boot'; line: BootLine }
  | { type: 'reply'; line: BoardReply }
  | { type: 'build'; line: Extract<BoardLine, { type: 'build' }> }
  | { type: 'status'; status: StatusString; cause: WireStatusCause }
  | { type: 'sensor'; reading: SensorReading }
  | { type: 'event'; event: HomeEvent }
  /** The heartbeat's uptime went back: the board restarted and its BOOT line was lost. */
  | { type: 'restarted' };

export interface BoardLineRouterOptions {
  clock: Clock;
  log: Logger;
  count: (key: string) => void;
}

const DROP_KEYS: Record<LineErrorCode, string> = {
  [ErrorCode.LINE_CHECKSUM]: 'checksum',
  [ErrorCode.LINE_TOO_LONG]: 'tooLong',
  [ErrorCode.LINE_GARBLED]: 'garbled',
  [ErrorCode.LINE_UNKNOWN]: 'unknown',
};

/**
 * Decodes the board's lines and says what each means to the link (a RoutedLine), keeping the
 * bookkeeping that needs no link: drop counters, the board's heartbeat counters and uptime, board logs.
 * Lines that are not exactly protocol lines are dropped, counted by cause and reported — except while
 * the handshake runs, when they are boot noise (a real Uno resets on open and its bootloader may print
 * junk) and only counted.
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

  /** One complete line. */
  route(text: string, handshake: boolean): RoutedLine {
    const line = decodeBoardLine(text);
    if (line.type === 'rejected') return this.drop(line.code, line.reason, handshake, text);
    return this.#meaning(line);
  }

  /** A line the splitter or the decoder refused. */
  drop(code: LineErrorCode, reason: string, handshake: boolean, text?: string): RoutedLine {
    const key = DROP_KEYS[code];
    if (handshake) {
      this.#noise[key] = (this.#noise[key] ?? 0) + 1;
      this.#o.count('bootNoise');
      this.#o.log.debug({ code, reason }, 'boot noise dropped');
      return { type: 'dropped' };
    }
    this.#o.count(key);
    const context = text === undefined ? {} : { excerpt: text.slice(0, 80) };
    return { type: 'dropped', error: new BridgeError(code, `dropped a line from the board: ${reason}`, context) };
  }

  #meaning(line: BoardLine): RoutedLine {
    const time = this.#o.clock.now();
    switch (line.type) {
      case 'boot':
        this.#lastUptime = undefined;
        return { type: 'boot', line };
      case 'ack':
      case 'error':
        return { type: 'reply', line };
      case 'build':
        return { type: 'build', line };
      case 'status':
        return { type: 'status', status: line.status, cause: line.cause };
      case 'climate':
        return {
          type: 'sensor',
          reading: { sensor: 'climate', temperature: line.temperature, humidity: line.humidity, time },
        };
      case 'rain':
        return { type: 'sensor', reading: { sensor: 'rain', raining: line.raining, time } };
      case 'event':
        return {
          type: 'event',
          event:
            line.event === 'button'
              ? { event: 'button', button: line.button, time }
              : { event: 'window', open: line.open, time },
        };
      case 'heartbeat': {
        this.#boardCounters = line.counters;
        // millis() wraps after 49.7 days; a wrap reads as a restart too, which only costs one GET.
        const restarted = this.#lastUptime !== undefined && line.uptime < this.#lastUptime;
        this.#lastUptime = line.uptime;
        return restarted ? { type: 'restarted' } : { type: 'alive' };
      }
      case 'counters':
        return { type: 'alive' }; // answers CNT, which this host does not send; heartbeats carry the same counters
      case 'log':
        this.#o.count('boardLogs');
        this.#o.log[line.level](
          { code: line.code, text: line.text },
          `board: ${line.code}${line.text ? ` ${line.text}` : ''}`,
        );
        return { type: 'alive' };
    }
  }
}
