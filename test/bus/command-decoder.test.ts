import { describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError, type BridgeError } from '../../src/core/errors.js';
import { controlToCommand, decodeRequest, type JsonControl, type Request } from '../../src/bus/command-decoder.js';
import { mergeCommand } from '../../src/home/status-codec.js';

const LIMIT = 4096;
const decode = (text: string | Buffer, limit = LIMIT): Request =>
  decodeRequest(typeof text === 'string' ? Buffer.from(text) : text, limit);

function rejection(text: string | Buffer, limit = LIMIT): BridgeError {
  try {
    decode(text, limit);
  } catch (e) {
    if (isBridgeError(e)) return e;
    throw new Error(`expected a BridgeError, got ${String(e)}`);
  }
  throw new Error(`expected ${JSON.stringify(String(text).slice(0, 40))} to be rejected`);
}

const control = (fields: Omit<JsonControl, 'command'>): JsonControl => ({ command: 'control', ...fields });

describe('legacy 9-digit strings', () => {
  it.each(['016155010', '022222202', '009052300', '022255021'])('%s is a legacy control command', (text) => {
    expect(decode(text)).toEqual({ kind: 'control', format: 'legacy', command: text });
  });

  it.each([
    ['a trailing newline', '016155010\n'],
    ['CRLF', '016155010\r\n'],
    ['leading spaces and a tab', '  \t016155010'],
  ])('trims whitespace around the string (%s)', (_what, text) => {
    expect(decode(text)).toEqual({ kind: 'control', format: 'legacy', command: '016155010' });
  });

  it.each([
    ['8 digits', '01615501', ErrorCode.STATUS_LENGTH],
    ['10 digits', '0161550100', ErrorCode.STATUS_LENGTH],
    ['an empty payload', '', ErrorCode.STATUS_LENGTH],
    ['only whitespace', '   \n', ErrorCode.STATUS_LENGTH],
    ['a quoted string', '"016155010"', ErrorCode.STATUS_LENGTH],
    ['a JSON array', '[0,1,6,1,5,5,0,1,0]', ErrorCode.STATUS_LENGTH],
    ['a space inside', '0161 5010', ErrorCode.STATUS_NOT_DIGIT],
    ['NUL inside', '0161\u00005010', ErrorCode.STATUS_NOT_DIGIT],
    ['colour 9', '016159010', ErrorCode.STATUS_RANGE],
  ])('rejects %s', (_what, text, code) => {
    expect(rejection(text).code).toBe(code);
  });

  it('does not trim whitespace inside the string: it names the position', () => {
    const e = rejection('016 55010');
    expect(e.code).toBe(ErrorCode.STATUS_NOT_DIGIT);
    expect(e.context['position']).toBe(3);
  });

  it('rejects bytes that are not UTF-8 digits', () => {
    expect(rejection(Buffer.from([0x30, 0x31, 0x36, 0x31, 0x35, 0x35, 0x30, 0x31, 0xff])).code).toBe(
      ErrorCode.STATUS_NOT_DIGIT,
    );
  });
});

describe('JSON commands', () => {
  it('decodes a control command with every field', () => {
    const text = JSON.stringify({
      Producer: 'car',
      command: 'control',
      id: 'c-1',
      mode: 1,
      aircon: { enabled: true, power: 6 },
      light: { enabled: true, brightness: 5, color: 5, effect: 0 },
      window: 'open',
      gasValve: false,
    });
    const r = decode(text);
    expect(r).toMatchObject({ kind: 'control', format: 'json', id: 'c-1', producer: 'car' });
    if (r.kind !== 'control' || r.format !== 'json') throw new Error('not a JSON control');
    expect(controlToCommand(r.control, '000000000')).toBe('116155010');
  });

  it('decodes a status request', () => {
    expect(decode('{"command":"status"}')).toEqual({ kind: 'status' });
    expect(decode('{"Producer":"android","command":"status","id":"s"}')).toEqual({
      kind: 'status',
      id: 's',
      producer: 'android',
    });
  });

  it('accepts surrounding whitespace', () => {
    expect(decode(' \n{"command":"status"}\n')).toEqual({ kind: 'status' });
  });

  it.each([
    ['a string', '"abc"', 'abc'],
    ['a number', '42', 42],
    ['zero', '0', 0],
  ])('echoes an id given as %s unchanged (type included)', (_what, json, id) => {
    expect(decode(`{"command":"status","id":${json}}`)).toEqual({ kind: 'status', id });
    expect(decode(`{"command":"control","window":true,"id":${json}}`)).toMatchObject({ id });
  });

  it('rejects invalid JSON with PAYLOAD_NOT_JSON', () => {
    for (const text of ['{nice}', '{"command":"control",}', '{"command":', '{']) {
      expect(rejection(text).code).toBe(ErrorCode.PAYLOAD_NOT_JSON);
    }
  });

  it('rejects an unknown command with COMMAND_UNKNOWN naming it and keeps the id', () => {
    const e = rejection('{"command":"reboot","id":"r1"}');
    expect(e.code).toBe(ErrorCode.COMMAND_UNKNOWN);
    expect(e.message).toContain('"reboot"');
    expect(e.context['id']).toBe('r1');
  });

  it('rejects the backend’s JSON convention for other devices (signin) as an unknown command', () => {
    const e = rejection('{"Producer":"android","command":"signin","UID":"u"}');
    expect(e.code).toBe(ErrorCode.COMMAND_UNKNOWN);
  });

  it('rejects a JSON object without a command', () => {
    const e = rejection('{"id":5,"window":"open"}');
    expect(e.code).toBe(ErrorCode.PAYLOAD_INVALID);
    expect(e.message).toContain('command');
    expect(e.context['id']).toBe(5);
  });

  it.each([
    ['aircon as text', { aircon: 'on' }, '/aircon'],
    ['mode as text', { mode: '1' }, '/mode'],
    ['mode 5', { mode: 5 }, '/mode'],
    ['power 10', { aircon: { power: 10 } }, '/aircon/power'],
    ['power 2.5', { aircon: { power: 2.5 } }, '/aircon/power'],
    ['colour 8', { light: { color: 8 } }, '/light/color'],
    ['effect 4', { light: { effect: 4 } }, '/light/effect'],
    ['brightness as text', { light: { brightness: '5' } }, '/light/brightness'],
    ['window ajar', { window: 'ajar' }, '/window'],
    ['gas valve as a number', { gasValve: 1 }, '/gasValve'],
    ['Producer as a number', { Producer: 3 }, '/Producer'],
  ])('rejects a wrong type or range (%s) with PAYLOAD_INVALID naming the field, id kept', (_what, fields, where) => {
    const e = rejection(JSON.stringify({ command: 'control', id: 'w', ...fields }));
    expect(e.code).toBe(ErrorCode.PAYLOAD_INVALID);
    expect(e.message.startsWith(`${where}: `)).toBe(true);
    expect(e.context['id']).toBe('w');
  });

  it('says what a union field accepts', () => {
    expect(rejection('{"command":"control","window":"ajar"}').message).toMatch(/"open".*"close"/);
    expect(rejection('{"command":"control","aircon":"on"}').message).toMatch(/boolean.*object/);
  });

  it.each([
    ['at the top', { fan: 1 }, '/', 'fan'],
    ['in aircon', { aircon: { speed: 3 } }, '/aircon', 'speed'],
    ['in light', { light: { colour: 3 } }, '/light', 'colour'],
  ])('rejects an unknown field %s naming it', (_what, fields, where, field) => {
    const e = rejection(JSON.stringify({ command: 'control', id: 7, ...fields }));
    expect(e.code).toBe(ErrorCode.PAYLOAD_INVALID);
    expect(e.message).toBe(`${where}: unknown field "${field}"`);
    expect(e.context['id']).toBe(7);
  });

  it('rejects an unknown field of a status request', () => {
    expect(rejection('{"command":"status","window":"open"}').message).toContain('unknown field "window"');
  });

  it.each([
    ['an object', '{"a":1}'],
    ['a negative number', '-1'],
    ['a fraction', '1.5'],
    ['an empty string', '""'],
    ['a string with a newline', '"a\\nb"'],
    ['a string of 65 characters', JSON.stringify('x'.repeat(65))],
  ])('rejects an id that is %s and does not echo it', (_what, idJson) => {
    const e = rejection(`{"command":"status","id":${idJson}}`);
    expect(e.code).toBe(ErrorCode.PAYLOAD_INVALID);
    expect(e.message.startsWith('/id: ')).toBe(true);
    expect(e.context['id']).toBeUndefined();
  });

  it.each([
    ['an array', '[{"command":"status"}]', ErrorCode.STATUS_LENGTH],
    ['null', 'null', ErrorCode.STATUS_LENGTH],
  ])('treats %s (not starting with "{") as a malformed legacy string', (_what, text, code) => {
    expect(rejection(text).code).toBe(code);
  });
});

describe('payload size limit', () => {
  it('rejects a payload over the limit with PAYLOAD_TOO_LARGE before looking at it', () => {
    const big = Buffer.alloc(LIMIT + 1, 0x30);
    const e = rejection(big);
    expect(e.code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
    expect(e.context['size']).toBe(LIMIT + 1);
    expect(e.message).toContain(String(LIMIT));
  });

  it('accepts a JSON command exactly at the limit', () => {
    const base = '{"command":"status","id":"x"}';
    const padded = base + ' '.repeat(LIMIT - base.length);
    expect(Buffer.byteLength(padded)).toBe(LIMIT);
    expect(decode(padded)).toEqual({ kind: 'status', id: 'x' });
  });

  it('counts bytes, not characters', () => {
    const text = `{"command":"control","Producer":"${'é'.repeat(40)}"}`;
    expect(text.length).toBeLessThanOrEqual(100);
    expect(rejection(text, 100).code).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });
});

describe('controlToCommand', () => {
  const current = '316155011';

  it('keeps every appliance the control does not name', () => {
    const cmd = controlToCommand(control({ window: 'close' }), current);
    expect(cmd).toBe('022255002');
    expect(mergeCommand(current, cmd)).toBe('016155001');
  });

  it('defaults the mode to 0 (individual control, as the appliance tiles send)', () => {
    expect(controlToCommand(control({}), current)[0]).toBe('0');
    expect(mergeCommand(current, controlToCommand(control({}), current))).toBe('016155011');
    expect(controlToCommand(control({ mode: 4 }), current)[0]).toBe('4');
  });

  it('takes missing values from the current status', () => {
    expect(mergeCommand(current, controlToCommand(control({ aircon: true }), current))).toBe('016155011');
    expect(mergeCommand(current, controlToCommand(control({ light: { color: 2 } }), current))).toBe('016152011');
    expect(mergeCommand(current, controlToCommand(control({ light: { effect: 3 } }), current))).toBe('016155311');
  });

  it('turns an appliance on when the control names one of its values', () => {
    const off = '003055000';
    expect(mergeCommand(off, controlToCommand(control({ aircon: { power: 7 } }), off))).toBe('017055000');
    expect(mergeCommand(off, controlToCommand(control({ light: { brightness: 9 } }), off))).toBe('003195000');
  });

  it('leaves it off when enabled is false, keeping the current values', () => {
    expect(mergeCommand(current, controlToCommand(control({ aircon: { enabled: false, power: 2 } }), current))).toBe(
      '006155011',
    );
    expect(mergeCommand(current, controlToCommand(control({ light: false }), current))).toBe('016055011');
  });

  it('turns the aircon on at its kept power with true', () => {
    const off = '008000000';
    expect(mergeCommand(off, controlToCommand(control({ aircon: true }), off))).toBe('018000000');
  });

  it.each([
    ['open', '1'],
    [true, '1'],
    ['close', '0'],
    [false, '0'],
  ] as const)('window %s → digit %s (gas valve alike)', (value, digit) => {
    expect(controlToCommand(control({ window: value }), current)[7]).toBe(digit);
    expect(controlToCommand(control({ gasValve: value }), current)[8]).toBe(digit);
  });
});
