import { describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../../src/core/errors.js';
import { checksumHex } from '../../../src/links/serial/checksum.js';
import {
  assertProtocolVersion,
  boardErrorToBridgeError,
  decodeBoardLine,
  decodeHostLine,
  encodeBoardLine,
  encodeHostLine,
} from '../../../src/links/serial/line-codec.js';
import type { BoardLine, HostLine } from '../../../src/links/serial/line-types.js';

/** A correctly framed line around any body (for building malformed but checksummed lines). */
const framed = (body: string): string => `${body}*${checksumHex(body)}`;
const zero = { checksum: 0, tooLong: 0, garbled: 0, unknown: 0 };

const HOST_LINES: [HostLine, string][] = [
  [{ type: 'set', id: 0x1a, command: '016155010' }, 'SET 1A 016155010*63\n'],
  [{ type: 'get', id: 0x1b }, 'GET 1B*4E\n'],
  [{ type: 'ping', id: 1 }, 'PING 1*AD\n'],
  [{ type: 'counters', id: 0xffff }, 'CNT FFFF*46\n'],
  [{ type: 'build', id: 3 }, 'CFG 3*26\n'],
];

const BOARD_LINES: [BoardLine, string][] = [
  [{ type: 'boot', firmware: '1.0.0', protocol: 1, board: 'smarthome-uno' }, 'BOOT 1.0.0 1 smarthome-uno*C4\n'],
  [{ type: 'boot', firmware: '1.1.0', protocol: 1, board: 'smarthome-uno' }, 'BOOT 1.1.0 1 smarthome-uno*12\n'],
  [{ type: 'build', id: 3, group: 'climate', values: ['D2', '2000', '60000'] }, 'CFG 3 climate D2 2000 60000*58\n'],
  [{ type: 'build', id: 3, group: 'gas', values: ['D8'] }, 'CFG 3 gas D8*7C\n'],
  [{ type: 'ack', id: 0x1a, status: '016155010' }, 'ACK 1A 016155010*02\n'],
  [{ type: 'error', id: 0x1c, code: 'STATUS_RANGE', detail: 0 }, 'ERR 1C STATUS_RANGE 0*17\n'],
  [{ type: 'error', id: 0x1d, code: 'STATUS_LENGTH', detail: 8 }, 'ERR 1D STATUS_LENGTH 8*E5\n'],
  [{ type: 'error', id: 0x1f, code: 'STATUS_NOT_DIGIT', detail: 5 }, `${framed('ERR 1F STATUS_NOT_DIGIT 5')}\n`],
  [{ type: 'error', id: 0x1e, code: 'BAD_ARGS' }, 'ERR 1E BAD_ARGS*82\n'],
  [{ type: 'status', cause: 'boot', status: '000000000' }, 'STATUS boot 000000000*08\n'],
  [{ type: 'status', cause: 'command', status: '016155010' }, 'STATUS command 016155010*3A\n'],
  [{ type: 'status', cause: 'button', status: '006155010' }, 'STATUS button 006155010*1F\n'],
  [{ type: 'status', cause: 'window', status: '016155000' }, 'STATUS window 016155000*DE\n'],
  [{ type: 'status', cause: 'request', status: '016155010' }, 'STATUS request 016155010*25\n'],
  [{ type: 'climate', temperature: 23.4, humidity: 45 }, 'CLIMATE 23.4 45*CA\n'],
  [{ type: 'climate', temperature: -1.5, humidity: 30 }, 'CLIMATE -1.5 30*D4\n'],
  [{ type: 'climate', temperature: 0, humidity: 0 }, `${framed('CLIMATE 0.0 0')}\n`],
  [{ type: 'rain', raining: true }, 'RAIN 1*BE\n'],
  [{ type: 'rain', raining: false }, 'RAIN 0*B9\n'],
  [{ type: 'event', event: 'button', button: 'aircon' }, 'EVENT button aircon*AA\n'],
  [{ type: 'event', event: 'button', button: 'light' }, `${framed('EVENT button light')}\n`],
  [{ type: 'event', event: 'button', button: 'gas' }, `${framed('EVENT button gas')}\n`],
  [{ type: 'event', event: 'window', open: true }, 'EVENT window open*F1\n'],
  [{ type: 'event', event: 'window', open: false }, 'EVENT window closed*6E\n'],
  [{ type: 'heartbeat', uptime: 1000, counters: zero }, 'HB 1000 0 0 0 0*AC\n'],
  [
    {
      type: 'heartbeat',
      uptime: 4294967295,
      counters: { checksum: 65535, tooLong: 65535, garbled: 65535, unknown: 65535 },
    },
    'HB 4294967295 65535 65535 65535 65535*93\n',
  ],
  [
    { type: 'counters', id: 0xffff, counters: { checksum: 2, tooLong: 1, garbled: 0, unknown: 3 } },
    'CNT FFFF 2 1 0 3*04\n',
  ],
  [{ type: 'log', level: 'warn', code: 'DHT_NO_RESPONSE', text: '' }, 'LOG warn DHT_NO_RESPONSE*87\n'],
  [{ type: 'log', level: 'warn', code: 'DHT_TIMEOUT', text: 'bit 12' }, 'LOG warn DHT_TIMEOUT bit 12*31\n'],
  [
    { type: 'log', level: 'error', code: 'DHT_CHECKSUM', text: '2D 00 17 04 49' },
    `${framed('LOG error DHT_CHECKSUM 2D 00 17 04 49')}\n`,
  ],
];

describe('host lines', () => {
  it.each(HOST_LINES)('%o encodes to the documented bytes and decodes back', (line, wire) => {
    expect(encodeHostLine(line)).toBe(wire);
    expect(decodeHostLine(wire)).toEqual(line);
    expect(decodeHostLine(wire.replace('\n', '\r\n'))).toEqual(line);
    expect(decodeHostLine(wire.trimEnd())).toEqual(line);
  });

  it('round-trips every id from 0 to FFFF in canonical uppercase hex', () => {
    for (const id of [0, 1, 0xa, 0xff, 0x100, 0xabc, 0xffff]) {
      const wire = encodeHostLine({ type: 'ping', id });
      expect(wire).toBe(`${framed(`PING ${id.toString(16).toUpperCase()}`)}\n`);
      expect(decodeHostLine(wire)).toEqual({ type: 'ping', id });
    }
    expect(decodeHostLine(framed('PING 000A'))).toEqual({ type: 'ping', id: 10 });
  });

  it('passes the raw command token of a SET through for the board to validate', () => {
    expect(decodeHostLine(framed('SET 7 01615501'))).toEqual({ type: 'set', id: 7, command: '01615501' });
    expect(decodeHostLine(framed('SET 7 91615a010'))).toEqual({ type: 'set', id: 7, command: '91615a010' });
  });

  it('keeps the id of a known command with bad arguments (the board answers BAD_ARGS)', () => {
    expect(decodeHostLine(framed('SET 1E'))).toMatchObject({
      type: 'rejected',
      code: ErrorCode.LINE_UNKNOWN,
      id: 0x1e,
    });
    expect(decodeHostLine(framed('PING 2 x'))).toMatchObject({ type: 'rejected', code: ErrorCode.LINE_UNKNOWN, id: 2 });
  });

  it('drops unknown types and unreadable ids without an id', () => {
    for (const body of [
      'HELLO 1',
      'ping 1',
      'PING',
      'PING 1a',
      'PING 12345',
      'PING -1',
      'constructor 1',
      'toString 1',
    ]) {
      const r = decodeHostLine(framed(body));
      expect(r).toMatchObject({ type: 'rejected', code: ErrorCode.LINE_UNKNOWN });
      expect(r).not.toHaveProperty('id');
    }
  });

  describe('encoding refuses anything that could inject bytes or commands', () => {
    const attempts: [string, HostLine][] = [
      ['a newline in the command', { type: 'set', id: 1, command: '016155010\nSET 2 022222221' }],
      ['a second command after a space', { type: 'set', id: 1, command: '016155010 SET' }],
      ['a checksum star', { type: 'set', id: 1, command: '0161*5010' }],
      ['a carriage return', { type: 'set', id: 1, command: '01615501\r' }],
      ['eight digits', { type: 'set', id: 1, command: '01615501' }],
      ['ten digits', { type: 'set', id: 1, command: '0161550100' }],
      ['non-ASCII digits', { type: 'set', id: 1, command: '０16155010' }],
      ['a number instead of a string', { type: 'set', id: 1, command: 16155010 as unknown as string }],
      ['a negative id', { type: 'ping', id: -1 }],
      ['an id past FFFF', { type: 'ping', id: 0x10000 }],
      ['a fractional id', { type: 'ping', id: 1.5 }],
      ['a NaN id', { type: 'ping', id: Number.NaN }],
      ['an id given as a string', { type: 'ping', id: '1\nSET 2 022222221' as unknown as number }],
      ['an unknown type', { type: 'reboot', id: 1 } as unknown as HostLine],
    ];
    it.each(attempts)('%s', (_what, line) => {
      let thrown: unknown;
      try {
        encodeHostLine(line);
      } catch (e) {
        thrown = e;
      }
      expect(isBridgeError(thrown, ErrorCode.LINE_FIELD_INVALID)).toBe(true);
    });
  });
});

describe('board lines', () => {
  it.each(BOARD_LINES)('%o encodes to the documented bytes and decodes back', (line, wire) => {
    expect(encodeBoardLine(line)).toBe(wire);
    expect(decodeBoardLine(wire)).toEqual(line);
    expect(decodeBoardLine(wire.replace('\n', '\r\n'))).toEqual(line);
  });

  it('keeps every line within 64 bytes, even at the largest values', () => {
    for (const [, wire] of BOARD_LINES) expect(wire.length - 1).toBeLessThanOrEqual(64);
  });

  it('rejects a wrong checksum, a missing checksum and lowercase hex', () => {
    expect(decodeBoardLine('RAIN 1*BF')).toMatchObject({ type: 'rejected', code: ErrorCode.LINE_CHECKSUM });
    expect(decodeBoardLine('RAIN 0*BE')).toMatchObject({ type: 'rejected', code: ErrorCode.LINE_CHECKSUM });
    expect(decodeBoardLine('ACK 1A 016155011*02')).toMatchObject({ code: ErrorCode.LINE_CHECKSUM });
    expect(decodeBoardLine('RAIN 1')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('RAIN 1*be')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('RAIN 1*B')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('RAIN*1*BE')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('*00')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
  });

  it('rejects over-long and non-printable input without throwing', () => {
    expect(decodeBoardLine(framed(`LOG info X ${'y'.repeat(60)}`))).toMatchObject({ code: ErrorCode.LINE_TOO_LONG });
    expect(decodeBoardLine('RAIN\u00001*BE')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('RAIN 1*BE\r\r\n')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeBoardLine('RAİN 1*BE')).toMatchObject({ code: ErrorCode.LINE_GARBLED });
    expect(decodeHostLine('x'.repeat(10_000))).toMatchObject({ code: ErrorCode.LINE_TOO_LONG });
  });

  it('calls a checksummed line outside the grammar unknown', () => {
    const bad = [
      'HELLO 1',
      'BOOT 1.0 1 uno',
      'BOOT 1.0.0 0 uno',
      'BOOT 1.0.0 1 Uno',
      'BOOT 1.0.0 1 uno extra',
      'ACK 1A 01615501',
      'ACK 1A 016155010 x',
      'ACK 1a 016155010',
      'ERR 1 STATUS_RANGE',
      'ERR 1 BAD_ARGS 3',
      'ERR 1 NO_SUCH_CODE 1',
      'ERR 1 STATUS_RANGE 100',
      'STATUS resync 000000000',
      'STATUS boot',
      'CLIMATE 23 45',
      'CLIMATE 23.45 45',
      'CLIMATE 023.4 45',
      'CLIMATE 23.4 101',
      'CLIMATE 23.4 045',
      'RAIN 2',
      'RAIN true',
      'EVENT button door',
      'EVENT window ajar',
      'EVENT window',
      'HB 1000 0 0 0',
      'HB 4294967296 0 0 0 0',
      'HB 1000 0 0 0 65536',
      'HB 01000 0 0 0 0',
      'CNT 1 0 0 0',
      'LOG debug X',
      'LOG warn lower',
      'LOG warn',
      'RAIN  1',
      ' RAIN 1',
      'RAIN 1 ',
    ];
    for (const body of bad) {
      expect(decodeBoardLine(framed(body)), body).toMatchObject({ type: 'rejected', code: ErrorCode.LINE_UNKNOWN });
    }
  });

  it('reads the version of a future board that adds fields to its BOOT line', () => {
    const boot = decodeBoardLine(framed('BOOT 2.0.0 2 smarthome-uno feature-x'));
    expect(boot).toEqual({ type: 'boot', firmware: '2.0.0', protocol: 2, board: 'smarthome-uno' });
    let thrown: unknown;
    try {
      assertProtocolVersion(boot as Extract<BoardLine, { type: 'boot' }>);
    } catch (e) {
      thrown = e;
    }
    expect(isBridgeError(thrown, ErrorCode.PROTOCOL_MISMATCH)).toBe(true);
    expect(() => assertProtocolVersion({ type: 'boot', firmware: '1.0.0', protocol: 1, board: 'uno' })).not.toThrow();
  });

  it('never throws on arbitrary input', () => {
    const samples = ['\u0000', '*', '**', '*FF', 'ÿ', '\uD800', ' '.repeat(64), '\n', '\r\n', 'LOG', '__proto__ 1*00'];
    for (let i = 0; i < 400; i++) {
      const len = (i * 7) % 70;
      let s = '';
      for (let j = 0; j < len; j++) s += String.fromCharCode(32 + ((i * 31 + j * 17) % 95));
      samples.push(s, framed(s.replace(/\*/g, '') || 'x'));
    }
    for (const s of samples) {
      expect(() => decodeBoardLine(s)).not.toThrow();
      expect(() => decodeHostLine(s)).not.toThrow();
    }
  });

  it('refuses to encode board fields outside the wire formats', () => {
    const bad: BoardLine[] = [
      { type: 'ack', id: 1, status: '01615501' },
      { type: 'status', cause: 'resync' as 'boot', status: '000000000' },
      { type: 'climate', temperature: Number.NaN, humidity: 40 },
      { type: 'climate', temperature: 20, humidity: 101 },
      { type: 'heartbeat', uptime: -1, counters: zero },
      { type: 'counters', id: 1, counters: { ...zero, unknown: 70000 } },
      { type: 'log', level: 'warn', code: 'X', text: 'a\nb' },
      { type: 'log', level: 'warn', code: 'X', text: 'a*b' },
      { type: 'log', level: 'warn', code: 'X', text: 'y'.repeat(60) },
      { type: 'error', id: 1, code: 'STATUS_RANGE' },
      { type: 'boot', firmware: '1.0', protocol: 1, board: 'uno' },
    ];
    for (const line of bad) {
      let thrown: unknown;
      try {
        encodeBoardLine(line);
      } catch (e) {
        thrown = e;
      }
      expect(isBridgeError(thrown, ErrorCode.LINE_FIELD_INVALID), JSON.stringify(line)).toBe(true);
    }
  });

  it('turns board errors into the codes the home uses for the same command', () => {
    expect(boardErrorToBridgeError({ type: 'error', id: 1, code: 'STATUS_RANGE', detail: 5 })).toMatchObject({
      code: ErrorCode.STATUS_RANGE,
      context: { position: 5 },
    });
    expect(boardErrorToBridgeError({ type: 'error', id: 1, code: 'STATUS_LENGTH', detail: 8 })).toMatchObject({
      code: ErrorCode.STATUS_LENGTH,
      context: { length: 8 },
    });
    expect(boardErrorToBridgeError({ type: 'error', id: 1, code: 'STATUS_NOT_DIGIT', detail: 2 })).toMatchObject({
      code: ErrorCode.STATUS_NOT_DIGIT,
      context: { position: 2 },
    });
    expect(boardErrorToBridgeError({ type: 'error', id: 1, code: 'BAD_ARGS' })).toMatchObject({
      code: ErrorCode.DEVICE_REJECTED,
    });
  });
});
