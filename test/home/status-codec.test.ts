import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCode, isBridgeError, type BridgeError } from '../../src/core/errors.js';
import {
  BOOT_STATUS,
  decodeStatus,
  describeCommand,
  describeStatus,
  encodeStatus,
  isValidCommand,
  mergeCommand,
  validateCommand,
  validateStatus,
} from '../../src/home/status-codec.js';

/** The BridgeError a call throws (fails the test if it throws nothing or something else). */
function rejection(fn: () => unknown): BridgeError {
  try {
    fn();
  } catch (e) {
    if (isBridgeError(e)) return e;
    throw e;
  }
  throw new Error('expected a BridgeError, nothing was thrown');
}

/**
 * Every string a real sender puts on the bus (docs/car2home-bus.md §1), from a stated prior status,
 * to the status the original firmware would store and report (its merge is the same for these strings).
 */
const VECTORS: { sender: string; command: string; prior: string; expected: string; meaning: string }[] = [
  {
    sender: 'CarDashboard tile',
    command: '016222222',
    prior: '000000000',
    expected: '016000000',
    meaning: 'aircon on at power 6, rest kept',
  },
  {
    sender: 'CarDashboard tile',
    command: '016222222',
    prior: '003155011',
    expected: '016155011',
    meaning: 'aircon on replaces the kept power 3',
  },
  {
    sender: 'CarDashboard tile',
    command: '002222222',
    prior: '016155011',
    expected: '006155011',
    meaning: 'aircon off keeps power 6',
  },
  {
    sender: 'CarDashboard tile',
    command: '022152022',
    prior: '016000000',
    expected: '016152000',
    meaning: 'light on, brightness 5, blue, normal',
  },
  {
    sender: 'CarDashboard tile',
    command: '022022222',
    prior: '016152000',
    expected: '016052000',
    meaning: 'light off keeps brightness, colour, effect',
  },
  {
    sender: 'CarDashboard tile',
    command: '022222221',
    prior: '000000000',
    expected: '000000001',
    meaning: 'gas valve open',
  },
  {
    sender: 'CarDashboard tile',
    command: '022222220',
    prior: '000000001',
    expected: '000000000',
    meaning: 'gas valve closed',
  },
  {
    sender: 'CarDashboard tile',
    command: '022222212',
    prior: '000000000',
    expected: '000000010',
    meaning: 'window open',
  },
  {
    sender: 'CarDashboard tile',
    command: '022222202',
    prior: '000000010',
    expected: '000000000',
    meaning: 'window closed',
  },
  {
    sender: 'CarDashboard Appliance save',
    command: '017155010',
    prior: '316000001',
    expected: '017155010',
    meaning: 'full explicit state, mode cleared',
  },
  {
    sender: 'Android toggle',
    command: '012255022',
    prior: '000000000',
    expected: '012000000',
    meaning: 'aircon on at power 2',
  },
  { sender: 'Android toggle', command: '002255022', prior: '012000000', expected: '002000000', meaning: 'aircon off' },
  {
    sender: 'Android toggle',
    command: '022155022',
    prior: '000000000',
    expected: '000155000',
    meaning: 'light on, brightness 5, purple, normal',
  },
  { sender: 'Android toggle', command: '022055022', prior: '000155000', expected: '000055000', meaning: 'light off' },
  { sender: 'Android toggle', command: '022255012', prior: '000000000', expected: '000000010', meaning: 'window open' },
  {
    sender: 'Android toggle',
    command: '022255002',
    prior: '000000010',
    expected: '000000000',
    meaning: 'window close',
  },
  { sender: 'Android toggle', command: '022255021', prior: '000000000', expected: '000000001', meaning: 'gas on' },
  { sender: 'Android toggle', command: '022255020', prior: '000000001', expected: '000000000', meaning: 'gas off' },
  {
    sender: 'Backend schedule',
    command: '009052300',
    prior: '016155011',
    expected: '006055000',
    meaning: 'aircon and light off (their values kept), window closed, gas off',
  },
  {
    sender: 'Backend schedule',
    command: '009052300',
    prior: '000000000',
    expected: '000000000',
    meaning: 'changes nothing on a home that is all off',
  },
  {
    sender: 'mode tile (indoor preset)',
    command: '116155010',
    prior: '000000000',
    expected: '116155010',
    meaning: 'mode digit and preset fields',
  },
  {
    sender: 'mode tile (outing preset)',
    command: '200000000',
    prior: '116155011',
    expected: '206055000',
    meaning: 'everything off, values kept',
  },
  {
    sender: 'mode tile (eco preset)',
    command: '413177300',
    prior: '000000000',
    expected: '413177300',
    meaning: 'aircon 3, light 7 sky tree',
  },
];

describe('real senders’ command strings', () => {
  it.each(VECTORS)('$sender $command from $prior → $expected ($meaning)', ({ command, prior, expected }) => {
    expect(isValidCommand(command)).toBe(true);
    const merged = mergeCommand(validateStatus(prior), validateCommand(command));
    expect(merged).toBe(expected);
    expect(validateStatus(merged)).toBe(expected);
    expect(encodeStatus(decodeStatus(merged))).toBe(expected);
  });

  it('decodes the Backend sample status 009060210 like the backend does', () => {
    expect(decodeStatus('009060210')).toEqual({
      mode: 0,
      aircon: { on: false, power: 9 },
      light: { on: false, brightness: 6, colour: 0, effect: 2 },
      windowOpen: true,
      gasValveOpen: false,
    });
  });

  it('boots with 000000000', () => {
    expect(BOOT_STATUS).toBe('000000000');
    expect(decodeStatus(BOOT_STATUS)).toEqual({
      mode: 0,
      aircon: { on: false, power: 0 },
      light: { on: false, brightness: 0, colour: 0, effect: 0 },
      windowOpen: false,
      gasValveOpen: false,
    });
  });

  it('accepts aircon on with power 0 and shows it as sent (the fan then runs at duty 0)', () => {
    expect(mergeCommand('006000000', validateCommand('010222222'))).toBe('010000000');
  });

  it('copies the mode digit from every command, also from one that changes nothing else', () => {
    expect(mergeCommand('016155010', validateCommand('322222222'))).toBe('316155010');
  });

  it('keeps the digits after a 2 (keep) untouched, whatever they are', () => {
    expect(mergeCommand('016155010', validateCommand('029297322'))).toBe('016155010');
  });
});

describe('validation (deliberately stricter than the original)', () => {
  it.each([
    ['8 digits', '01615501', 8],
    ['10 digits', '0161550100', 10],
    ['an empty payload', '', 0],
    ['the Korean error text', '에러가 발생했습니다', 10],
    ['{nice}', '{nice}', 6],
  ])('rejects %s with STATUS_LENGTH naming the length', (_what, text, length) => {
    expect(text.length).toBe(length);
    const e = rejection(() => validateCommand(text));
    expect(e.code).toBe(ErrorCode.STATUS_LENGTH);
    expect(e.context['length']).toBe(length);
    expect(e.message).toContain(`got ${length} character`);
  });

  it('rejects anything that is not a string with STATUS_LENGTH', () => {
    for (const v of [undefined, null, 16155010, ['0', '1']]) {
      expect(rejection(() => validateCommand(v)).code).toBe(ErrorCode.STATUS_LENGTH);
    }
  });

  it.each([
    ['NUL', '0161\u00005010', 4],
    ['a space', '01615501 ', 8],
    ['a leading space', ' 16155010', 0],
    ['an Arabic-Indic zero ٠', '01615501٠', 8],
    ['a fullwidth digit ５', '016１55010', 3],
    ['a letter', '01615x010', 5],
    ['a minus sign', '0-6155010', 1],
  ])('rejects %s with STATUS_NOT_DIGIT naming position %#', (_what, text, position) => {
    expect(text.length).toBe(9);
    const e = rejection(() => validateCommand(text));
    expect(e.code).toBe(ErrorCode.STATUS_NOT_DIGIT);
    expect(e.context['position']).toBe(position);
    expect(e.message).toContain(`position ${position}`);
  });

  it('names the first bad position when several are bad', () => {
    const e = rejection(() => validateCommand('0a6b5501c'));
    expect(e.context['position']).toBe(1);
  });

  const rangeCases: [string, number, string][] = [];
  for (const d of ['5', '6', '7', '8', '9']) rangeCases.push([`mode ${d}`, 0, `${d}22222222`]);
  for (const d of ['8', '9']) rangeCases.push([`colour ${d} (the original read past its table)`, 5, `02215${d}022`]);
  for (const d of ['8', '9']) rangeCases.push([`colour ${d} of a light-off command`, 5, `02205${d}022`]);
  for (const d of ['4', '5', '6', '7', '8', '9']) rangeCases.push([`light effect ${d}`, 6, `022155${d}22`]);
  for (const pos of [1, 3, 7, 8]) {
    for (let d = 3; d <= 9; d++) {
      const text = '022222222'.slice(0, pos) + String(d) + '022222222'.slice(pos + 1);
      rangeCases.push([`state digit ${d} at position ${pos}`, pos, text]);
    }
  }
  it.each(rangeCases)('rejects %s with STATUS_RANGE naming position %i (%s)', (_what, position, text) => {
    const e = rejection(() => validateCommand(text));
    expect(e.code).toBe(ErrorCode.STATUS_RANGE);
    expect(e.context['position']).toBe(position);
    expect(e.message).toContain(`position ${position}`);
  });

  it('accepts every digit at the power and brightness positions', () => {
    for (let d = 0; d <= 9; d++) {
      expect(isValidCommand(`01${d}1${d}0022`)).toBe(true);
    }
  });

  it('a status never holds 2 (keep) at a state position', () => {
    for (const pos of [1, 3, 7, 8]) {
      const text = `${'000000000'.slice(0, pos)}2${'000000000'.slice(pos + 1)}`;
      const e = rejection(() => validateStatus(text));
      expect(e.code).toBe(ErrorCode.STATUS_RANGE);
      expect(e.context['position']).toBe(pos);
    }
  });
});

describe('merge properties', () => {
  const digit = (max: number) => fc.integer({ min: 0, max }).map(String);
  const command = fc
    .tuple(digit(4), digit(2), digit(9), digit(2), digit(9), digit(7), digit(3), digit(2), digit(2))
    .map((a) => a.join(''));
  const status = fc
    .tuple(digit(4), digit(1), digit(9), digit(1), digit(9), digit(7), digit(3), digit(1), digit(1))
    .map((a) => a.join(''));

  it('every valid command merged into every valid status gives a valid status', () => {
    fc.assert(
      fc.property(status, command, (s, c) => validateStatus(mergeCommand(s, validateCommand(c))) !== undefined),
    );
  });

  it('applying the same command twice changes nothing the second time', () => {
    fc.assert(
      fc.property(status, command, (s, c) => {
        const once = mergeCommand(s, c);
        expect(mergeCommand(once, c)).toBe(once);
      }),
    );
  });

  it('a status sent back as a command reproduces its mode, on/off, window and gas digits', () => {
    fc.assert(
      fc.property(status, status, (prior, s) => {
        const merged = mergeCommand(prior, s);
        for (const i of [0, 1, 3, 7, 8]) expect(merged[i]).toBe(s[i]);
        if (s[1] === '1' && s[3] === '1') expect(merged).toBe(s);
      }),
    );
  });
});

describe('spellings for people', () => {
  it.each([
    [
      '016155010',
      'mode individual, aircon on (power 6), light on (purple, brightness 5, normal), window open, gas valve closed',
    ],
    ['000000000', 'mode individual, aircon off, light off, window closed, gas valve closed'],
    ['309052300', 'mode sleep, aircon off, light off, window closed, gas valve closed'],
    ['417177311', 'mode eco, aircon on (power 7), light on (sky, brightness 7, tree), window open, gas valve open'],
    [
      '211111201',
      'mode outing, aircon on (power 1), light on (red, brightness 1, guide), window closed, gas valve open',
    ],
    ['100122100', 'mode indoor, aircon off, light on (blue, brightness 2, sleep), window closed, gas valve closed'],
  ])('describeStatus(%s)', (status, text) => {
    expect(describeStatus(status)).toBe(text);
  });

  it.each([
    ['022222202', 'mode individual, aircon kept, light kept, window close, gas valve kept'],
    ['002222222', 'mode individual, aircon off, light kept, window kept, gas valve kept'],
    [
      '017155010',
      'mode individual, aircon on (power 7), light on (purple, brightness 5, normal), window open, gas valve close',
    ],
    ['022152022', 'mode individual, aircon kept, light on (blue, brightness 5, normal), window kept, gas valve kept'],
    ['409052300', 'mode eco, aircon off, light off, window close, gas valve close'],
    ['022222221', 'mode individual, aircon kept, light kept, window kept, gas valve open'],
  ])('describeCommand(%s)', (command, text) => {
    expect(describeCommand(command)).toBe(text);
  });
});
