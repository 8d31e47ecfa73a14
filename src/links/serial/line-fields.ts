import { BridgeError, ErrorCode } from '../../core/errors.js';
import { MAX_LINE_ID, type BoardCounters } from './line-types.js';

/**
 * Field formats of the serial line protocol (docs/serial-protocol.md §4). Parsers return undefined for
 * a field that does not match; formatters throw LINE_FIELD_INVALID for a value that cannot be sent.
 */

export const ID = /^[0-9A-F]{1,4}$/;
export const STATUS = /^[0-9]{9}$/;
const UINT = /^(0|[1-9][0-9]{0,9})$/;
const TEMPERATURE = /^-?(0|[1-9][0-9]{0,2})\.[0-9]$/;
export const FIRMWARE = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;
export const PROTOCOL = /^[1-9][0-9]{0,2}$/;
export const BOARD = /^[a-z0-9][a-z0-9-]{0,15}$/;
export const LOG_CODE = /^[A-Z][A-Z0-9_]{0,23}$/;
/** Log text: printable ASCII except `*`, no leading or trailing space. */
export const LOG_TEXT = /^[\x21-\x29\x2b-\x7e]([\x20-\x29\x2b-\x7e]*[\x21-\x29\x2b-\x7e])?$/;
/** A CFG line's group, and one of its values (a pin such as `D2`, a decimal number, a flag 0/1). */
export const BUILD_GROUP = /^[a-z]{1,12}$/;
export const BUILD_VALUE = /^[0-9A-Z]{1,10}$/;
/** The raw command token of a SET line: any printable, non-space character except `*`. */
export const COMMAND_TOKEN = /^[\x21-\x29\x2b-\x7e]+$/;

export const MAX_UPTIME = 0xffff_ffff;
export const MAX_COUNTER = 0xffff;
export const MAX_HUMIDITY = 100;

export function parseId(text: string | undefined): number | undefined {
  return text !== undefined && ID.test(text) ? Number.parseInt(text, 16) : undefined;
}

export function parseUint(text: string | undefined, max: number): number | undefined {
  if (text === undefined || !UINT.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** `23.4` → 23.4 (°C); the wire carries tenths exactly. */
export function parseTemperature(text: string | undefined): number | undefined {
  if (text === undefined || !TEMPERATURE.test(text)) return undefined;
  const tenths = Number(text.replace('.', ''));
  return tenths === 0 ? 0 : tenths / 10;
}

export function parseCounters(fields: readonly string[], from: number): BoardCounters | undefined {
  const [checksum, tooLong, garbled, unknown] = fields.slice(from).map((f) => parseUint(f, MAX_COUNTER));
  if (checksum === undefined || tooLong === undefined || garbled === undefined || unknown === undefined)
    return undefined;
  return { checksum, tooLong, garbled, unknown };
}

function invalid(what: string, value: unknown): BridgeError {
  return new BridgeError(ErrorCode.LINE_FIELD_INVALID, `${what} cannot be sent: ${JSON.stringify(value)}`, {
    field: what,
  });
}

export function formatId(id: number): string {
  if (!Number.isInteger(id) || id < 0 || id > MAX_LINE_ID) throw invalid('id', id);
  return id.toString(16).toUpperCase();
}

export function formatUint(value: number, max: number, what: string): string {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalid(what, value);
  return String(value);
}

export function formatTemperature(celsius: number): string {
  const tenths = Math.round(celsius * 10);
  if (!Number.isFinite(celsius) || Math.abs(tenths) > 9999) throw invalid('temperature', celsius);
  const abs = Math.abs(tenths);
  return `${tenths < 0 ? '-' : ''}${Math.floor(abs / 10)}.${abs % 10}`;
}

export function formatCounters(c: BoardCounters): string {
  return [c.checksum, c.tooLong, c.garbled, c.unknown].map((n) => formatUint(n, MAX_COUNTER, 'counter')).join(' ');
}

/** Returns `text` when it matches `pattern`, else throws LINE_FIELD_INVALID naming the field. */
export function checked(text: string, pattern: RegExp, what: string): string {
  if (typeof text !== 'string' || !pattern.test(text)) throw invalid(what, text);
  return text;
}
