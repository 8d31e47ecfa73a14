import { BridgeError, ErrorCode } from '../core/errors.js';
import type { StatusString } from './types.js';

/**
 * The 9-digit Car2Home string: parse, validate, merge ("2 = keep"), encode.
 * Rules and the deliberate departures from the original firmware: docs/home-behaviour.md §1.
 */

export const STATUS_LENGTH = 9;
export const BOOT_STATUS: StatusString = '000000000';

export const POSITION_NAMES = [
  'mode',
  'aircon on',
  'aircon power',
  'light on',
  'light brightness',
  'light colour',
  'light effect',
  'window open',
  'gas valve open',
] as const;

/** Highest digit accepted at each position of a command (state positions accept 2 = keep). */
const COMMAND_MAX = [4, 2, 9, 2, 9, 7, 3, 2, 2] as const;
/** Highest digit at each position of a status (no "keep" in a status). */
const STATUS_MAX = [4, 1, 9, 1, 9, 7, 3, 1, 1] as const;

export const MODE_NAMES = ['individual', 'indoor', 'outing', 'sleep', 'eco'] as const;
export const COLOUR_NAMES = ['white', 'red', 'blue', 'green', 'yellow', 'purple', 'orange', 'sky'] as const;
export const EFFECT_NAMES = ['normal', 'sleep', 'guide', 'tree'] as const;

/** The decoded form of a status string. */
export interface HomeStatus {
  mode: number;
  aircon: { on: boolean; power: number };
  light: { on: boolean; brightness: number; colour: number; effect: number };
  windowOpen: boolean;
  gasValveOpen: boolean;
}

function check(text: unknown, max: readonly number[], what: string): asserts text is string {
  if (typeof text !== 'string') {
    throw new BridgeError(ErrorCode.STATUS_LENGTH, `${what} must be a string of ${STATUS_LENGTH} digits`);
  }
  if (text.length !== STATUS_LENGTH) {
    throw new BridgeError(
      ErrorCode.STATUS_LENGTH,
      `${what} must be ${STATUS_LENGTH} digits, got ${text.length} character${text.length === 1 ? '' : 's'}`,
      { length: text.length },
    );
  }
  for (let i = 0; i < STATUS_LENGTH; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) {
      throw new BridgeError(
        ErrorCode.STATUS_NOT_DIGIT,
        `position ${i} (${POSITION_NAMES[i]}): ${JSON.stringify(text[i])} is not a digit`,
        { position: i },
      );
    }
    const digit = c - 48;
    const limit = max[i]!;
    if (digit > limit) {
      throw new BridgeError(
        ErrorCode.STATUS_RANGE,
        `position ${i} (${POSITION_NAMES[i]}): ${digit} is out of range 0–${limit}`,
        { position: i, digit },
      );
    }
  }
}

/** Validates a legacy command string; throws BridgeError naming the first bad position. */
export function validateCommand(text: unknown): StatusString {
  check(text, COMMAND_MAX, 'a command');
  return text;
}

/** Validates a status string (no `2 = keep` at state positions). */
export function validateStatus(text: unknown): StatusString {
  check(text, STATUS_MAX, 'a status');
  return text;
}

export function isValidCommand(text: unknown): text is StatusString {
  try {
    validateCommand(text);
    return true;
  } catch {
    return false;
  }
}

/** Applies a validated command to a status: the merge rules of docs/home-behaviour.md §1.2. */
export function mergeCommand(status: StatusString, command: StatusString): StatusString {
  const s = status.split('');
  const rx = command;
  s[0] = rx[0]!;
  if (rx[1] === '0') s[1] = '0';
  else if (rx[1] === '1') {
    s[1] = '1';
    s[2] = rx[2]!;
  }
  if (rx[3] === '0') s[3] = '0';
  else if (rx[3] === '1') {
    s[3] = '1';
    s[4] = rx[4]!;
    s[5] = rx[5]!;
    s[6] = rx[6]!;
  }
  if (rx[7] === '0' || rx[7] === '1') s[7] = rx[7];
  if (rx[8] === '0' || rx[8] === '1') s[8] = rx[8];
  return s.join('');
}

const d = (text: string, i: number): number => text.charCodeAt(i) - 48;

export function decodeStatus(status: StatusString): HomeStatus {
  return {
    mode: d(status, 0),
    aircon: { on: status[1] === '1', power: d(status, 2) },
    light: { on: status[3] === '1', brightness: d(status, 4), colour: d(status, 5), effect: d(status, 6) },
    windowOpen: status[7] === '1',
    gasValveOpen: status[8] === '1',
  };
}

export function encodeStatus(s: HomeStatus): StatusString {
  const b = (v: boolean): string => (v ? '1' : '0');
  return validateStatus(
    `${s.mode}${b(s.aircon.on)}${s.aircon.power}${b(s.light.on)}` +
      `${s.light.brightness}${s.light.colour}${s.light.effect}${b(s.windowOpen)}${b(s.gasValveOpen)}`,
  );
}

/** Replaces one digit (used for button toggles and the window contact). */
export function withDigit(status: StatusString, position: number, digit: string): StatusString {
  return status.slice(0, position) + digit + status.slice(position + 1);
}

/** A short readable spelling of a status, for logs and `watch`. */
export function describeStatus(status: StatusString): string {
  const s = decodeStatus(status);
  const parts = [
    `mode ${MODE_NAMES[s.mode] ?? s.mode}`,
    s.aircon.on ? `aircon on (power ${s.aircon.power})` : 'aircon off',
    s.light.on
      ? `light on (${COLOUR_NAMES[s.light.colour]}, brightness ${s.light.brightness}, ${EFFECT_NAMES[s.light.effect]})`
      : 'light off',
    s.windowOpen ? 'window open' : 'window closed',
    s.gasValveOpen ? 'gas valve open' : 'gas valve closed',
  ];
  return parts.join(', ');
}

/** A readable spelling of a command string: what it changes and what it keeps. */
export function describeCommand(command: StatusString): string {
  const parts: string[] = [`mode ${MODE_NAMES[d(command, 0)] ?? command[0]}`];
  const state = (i: number, name: string, on: string): string =>
    command[i] === '2' ? `${name} kept` : command[i] === '1' ? `${name} ${on}` : `${name} off`;
  parts.push(command[1] === '1' ? `aircon on (power ${command[2]})` : state(1, 'aircon', 'on'));
  parts.push(
    command[3] === '1'
      ? `light on (${COLOUR_NAMES[d(command, 5)]}, brightness ${command[4]}, ${EFFECT_NAMES[d(command, 6)]})`
      : state(3, 'light', 'on'),
  );
  parts.push(command[7] === '2' ? 'window kept' : command[7] === '1' ? 'window open' : 'window close');
  parts.push(command[8] === '2' ? 'gas valve kept' : command[8] === '1' ? 'gas valve open' : 'gas valve close');
  return parts.join(', ');
}
