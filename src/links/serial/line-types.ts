import type { ErrorCode } from '../../core/errors.js';
import type { ButtonName, StatusString } from '../../home/types.js';

/**
 * The words of the serial line protocol between the host and the Uno sketch. The grammar, limits and
 * examples live in docs/serial-protocol.md; this file only names them.
 */

export const SERIAL_PROTOCOL_VERSION = 1;
export const SERIAL_BAUD_RATE = 115_200;
/** Longest line in bytes, checksum included, terminator (`\n` or `\r\n`) excluded. */
export const MAX_LINE_LENGTH = 64;
/** Heartbeat period of the board. */
export const HEARTBEAT_PERIOD_MS = 1_000;
/** Largest command id (ids are 1–4 uppercase hex digits). */
export const MAX_LINE_ID = 0xffff;

/** Host → board. */
export type HostLine =
  /** `command` is the raw token as received; a host only ever encodes 9 digits. */
  | { type: 'set'; id: number; command: string }
  | { type: 'get'; id: number }
  | { type: 'ping'; id: number }
  | { type: 'counters'; id: number }
  /** `CFG`: asks for the pins and timings the board was built with. */
  | { type: 'build'; id: number };

/** The board's drop counters (each saturates at 65535). */
export interface BoardCounters {
  checksum: number;
  tooLong: number;
  garbled: number;
  unknown: number;
}

export const BOARD_ERROR_CODES = ['STATUS_LENGTH', 'STATUS_NOT_DIGIT', 'STATUS_RANGE', 'BAD_ARGS'] as const;
export type BoardErrorCode = (typeof BOARD_ERROR_CODES)[number];

export const WIRE_STATUS_CAUSES = ['boot', 'command', 'button', 'window', 'request'] as const;
export type WireStatusCause = (typeof WIRE_STATUS_CAUSES)[number];

export const LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Board → host. */
export type BoardLine =
  | { type: 'boot'; firmware: string; protocol: number; board: string }
  | { type: 'ack'; id: number; status: StatusString }
  /** `detail` is the length (STATUS_LENGTH) or the position (STATUS_NOT_DIGIT, STATUS_RANGE). */
  | { type: 'error'; id: number; code: BoardErrorCode; detail?: number }
  | { type: 'status'; cause: WireStatusCause; status: StatusString }
  /** Temperature in °C to 0.1, humidity in % RH (integer). */
  | { type: 'climate'; temperature: number; humidity: number }
  | { type: 'rain'; raining: boolean }
  | { type: 'event'; event: 'button'; button: ButtonName }
  | { type: 'event'; event: 'window'; open: boolean }
  | { type: 'heartbeat'; uptime: number; counters: BoardCounters }
  | { type: 'counters'; id: number; counters: BoardCounters }
  /** One `CFG` line of the answer to CFG: a group of devices.json values (src/config/board-build.ts). */
  | { type: 'build'; id: number; group: string; values: string[] }
  /** `text` is '' when the line carries none. */
  | { type: 'log'; level: LogLevel; code: string; text: string };

export type LineErrorCode =
  | typeof ErrorCode.LINE_CHECKSUM
  | typeof ErrorCode.LINE_TOO_LONG
  | typeof ErrorCode.LINE_GARBLED
  | typeof ErrorCode.LINE_UNKNOWN;

/**
 * A line that was dropped. `id` is set when a host line's checksum and id were good but its arguments
 * were not: a board answers that with `ERR <id> BAD_ARGS`.
 */
export interface LineRejection {
  type: 'rejected';
  code: LineErrorCode;
  reason: string;
  id?: number;
}
