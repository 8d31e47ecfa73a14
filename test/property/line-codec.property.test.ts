/**
 * The serial line codec over ≥ 100,000 generated inputs each: decoders never throw and every rejection
 * carries a line error code and a reason; encoders either refuse a field with LINE_FIELD_INVALID or
 * produce exactly one line (one terminator, at the end, within 64 bytes) that decodes back to what was
 * encoded. Injection attempts in any field never produce an extra line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BridgeError } from '../../src/core/errors.js';
import { checksumHex } from '../../src/links/serial/checksum.js';
import { decodeBoardLine, decodeHostLine, encodeBoardLine, encodeHostLine } from '../../src/links/serial/line-codec.js';
import {
  BOARD_ERROR_CODES,
  LOG_LEVELS,
  MAX_LINE_LENGTH,
  WIRE_STATUS_CAUSES,
  type BoardLine,
  type HostLine,
} from '../../src/links/serial/line-types.js';
import { injection, nearCommand, RUNS, validCommand, validStatus } from './arbitraries.js';

const LINE_CODES = new Set(['LINE_CHECKSUM', 'LINE_TOO_LONG', 'LINE_GARBLED', 'LINE_UNKNOWN']);
const options = { numRuns: RUNS };

function checkDecoded(result: { type: string; code?: string; reason?: string }): void {
  if (result.type !== 'rejected') return;
  expect(LINE_CODES.has(result.code!)).toBe(true);
  expect(result.reason!.length).toBeGreaterThan(0);
}

/** Encodes, and when the encoder accepts, demands one well-formed line that reads back the same. */
function checkEncoded<T>(value: T, encode: (v: T) => string, decode: (raw: string) => unknown): void {
  let line: string;
  try {
    line = encode(value);
  } catch (e) {
    if (!(e instanceof BridgeError) || e.code !== 'LINE_FIELD_INVALID') throw new Error(`encoder threw ${String(e)}`);
    return;
  }
  expect(line.endsWith('\n')).toBe(true);
  expect(line.indexOf('\n')).toBe(line.length - 1);
  expect(line).toMatch(/^[\x20-\x7e]+\n$/);
  expect(line.length - 1).toBeLessThanOrEqual(MAX_LINE_LENGTH);
  expect(decode(line)).toEqual(asSent(value));
}

/** What the wire can carry of a value: -0 is 0, and BAD_ARGS has no detail field. */
function asSent<T>(value: T): T {
  const v = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  if (v['type'] === 'error' && v['code'] === 'BAD_ARGS') delete v['detail'];
  return v as T;
}

/** Bodies that pass the checksum, so decoding has to look at the grammar. */
const framedBody = (body: fc.Arbitrary<string>) => body.map((b) => `${b}*${checksumHex(b)}`);
const word = fc.constantFrom(
  'SET',
  'GET',
  'PING',
  'CNT',
  'BOOT',
  'ACK',
  'ERR',
  'STATUS',
  'CLIMATE',
  'RAIN',
  'EVENT',
  'HB',
  'LOG',
  'set',
  'NOPE',
);
const token = fc.oneof(
  word,
  validStatus,
  fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFa'), maxLength: 5 }),
  fc.nat({ max: 70_000 }).map(String),
  injection,
  fc.string({ maxLength: 8 }),
);
const lineish = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  framedBody(fc.array(token, { minLength: 1, maxLength: 7 }).map((t) => t.join(' '))),
  fc.array(token, { minLength: 1, maxLength: 7 }).map((t) => `${t.join(' ')}*00`),
  fc.tuple(fc.array(token, { minLength: 1, maxLength: 7 }), fc.constantFrom('\n', '\r\n', '')).map(([t, end]) => {
    const b = t.join(' ');
    return `${b}*${checksumHex(b)}${end}`;
  }),
);

const id = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 8 },
  { arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(NaN)), weight: 1 },
);
const text = (valid: fc.Arbitrary<string>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: injection, weight: 1 });

const hostLine: fc.Arbitrary<HostLine> = fc.oneof(
  fc.record({ type: fc.constant('set' as const), id, command: fc.oneof(validCommand, nearCommand, injection) }),
  fc.record({ type: fc.constantFrom('get' as const, 'ping' as const, 'counters' as const), id }),
);

const counters = fc.record({
  checksum: fc.nat({ max: 0x1_0000 }),
  tooLong: fc.nat({ max: 0xffff }),
  garbled: fc.nat({ max: 0xffff }),
  unknown: fc.nat({ max: 0xffff }),
});
const boardLine = fc.oneof(
  fc.record({
    type: fc.constant('boot'),
    firmware: text(fc.constantFrom('1.0.0', '0.9.12', '10.20.30')),
    protocol: fc.integer({ min: 0, max: 1000 }),
    board: text(fc.constantFrom('uno', 'uno-r3')),
  }),
  fc.record({ type: fc.constant('ack'), id, status: fc.oneof(validStatus, nearCommand) }),
  fc.record({
    type: fc.constant('error'),
    id,
    code: text(fc.constantFrom(...BOARD_ERROR_CODES)),
    detail: fc.option(fc.integer({ min: -1, max: 120 }), { nil: undefined }),
  }),
  fc.record({
    type: fc.constant('status'),
    cause: text(fc.constantFrom(...WIRE_STATUS_CAUSES)),
    status: fc.oneof(validStatus, nearCommand),
  }),
  fc.record({
    type: fc.constant('climate'),
    temperature: fc.integer({ min: -1200, max: 1200 }).map((t) => t / 10),
    humidity: fc.integer({ min: -5, max: 105 }),
  }),
  fc.record({ type: fc.constant('rain'), raining: fc.boolean() }),
  fc.record({
    type: fc.constant('event'),
    event: fc.constant('button'),
    button: text(fc.constantFrom('aircon', 'light', 'gas')),
  }),
  fc.record({ type: fc.constant('event'), event: fc.constant('window'), open: fc.boolean() }),
  fc.record({ type: fc.constant('heartbeat'), uptime: fc.oneof(fc.nat(), fc.constant(0xffff_ffff)), counters }),
  fc.record({ type: fc.constant('counters'), id, counters }),
  fc.record({
    type: fc.constant('log'),
    level: text(fc.constantFrom(...LOG_LEVELS)),
    code: text(fc.constantFrom('BOOT', 'DHT_FAIL', 'X1')),
    text: text(fc.constantFrom('', 'hello world', 'sensor read failed')),
  }),
) as fc.Arbitrary<BoardLine>;

describe('serial line codec properties', () => {
  it('decoders never throw, and every rejection has a line error code and a reason', () => {
    fc.assert(
      fc.property(lineish, (raw) => {
        checkDecoded(decodeHostLine(raw));
        checkDecoded(decodeBoardLine(raw));
      }),
      options,
    );
  }, 300_000);

  it('host lines: the encoder refuses bad fields or writes exactly one line that decodes to the same command', () => {
    fc.assert(
      fc.property(hostLine, (line) => checkEncoded(line, encodeHostLine, decodeHostLine)),
      options,
    );
  }, 300_000);

  it('board lines: the encoder refuses bad fields or writes exactly one line that decodes to the same line', () => {
    fc.assert(
      fc.property(boardLine, (line) => checkEncoded(line, encodeBoardLine, decodeBoardLine)),
      options,
    );
  }, 300_000);
});
