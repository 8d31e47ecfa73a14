/**
 * Every command's option values: a word where a number belongs is refused with what was typed, an option
 * with nothing after it is refused, and a dash and a digit after an option are its value.
 */
import { describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { joinDashedValues, refuseBadValues } from '../../src/cli/option-values.js';

function refusal(argv: Record<string, unknown>, args: string[], valued: string[] = []): string | undefined {
  try {
    refuseBadValues(argv, args, valued);
    return undefined;
  } catch (e) {
    expect(isBridgeError(e)).toBe(true);
    return (e as Error).message;
  }
}

describe('refuseBadValues', () => {
  it('names the option as typed, with its text, whether given as --key value or --key=value', () => {
    const argv = { homes: Number.NaN, 'connect-rate': 5, connectRate: 5 };
    expect(refusal(argv, ['fleet', '--homes', 'lots'])).toBe('--homes must be a number, got "lots"');
    expect(refusal(argv, ['fleet', '--homes=lots'])).toBe('--homes must be a number, got "lots"');
  });

  it('prefers the dashed option that was typed over its camel-case twin', () => {
    const argv = { commandRate: Number.NaN, 'command-rate': Number.NaN };
    expect(refusal(argv, ['verify', '--command-rate', 'often'])).toBe('--command-rate must be a number, got "often"');
  });

  it('lets numbers, absent options and other types through', () => {
    const argv = { homes: 3, workers: 0, prefix: 'home', shard: undefined, interval: '1s' };
    expect(refusal(argv, ['fleet', '--homes', '3'])).toBeUndefined();
  });

  it('refuses an option typed with nothing after it (last, or before another option); -2 is a value', () => {
    const argv = { 'connect-rate': undefined, connectRate: undefined, homes: 10 };
    expect(refusal(argv, ['fleet', '--homes', '10', '--connect-rate'])).toBe('--connect-rate needs a value');
    expect(refusal(argv, ['fleet', '--connect-rate', '--homes', '10'])).toBe('--connect-rate needs a value');
    // yargs would have read it; the check must not take the dash for the next option.
    expect(refusal({ offset: undefined }, ['x', '--offset', '-2'])).toBeUndefined();
    // An undefined option typed with a value is not this check's to refuse, and does not hide one that is.
    expect(refusal({ shard: undefined, homes: undefined }, ['fleet', '--shard', 'x', '--homes'])).toBe(
      '--homes needs a value',
    );
  });

  it('refuses a number option with a default typed with nothing after it (yargs gave it the default)', () => {
    const argv = { 'command-rate': 0, commandRate: 0, verify: true, homes: 2 };
    const numbers = ['command-rate', 'homes'];
    expect(refusal(argv, ['fleet', '--homes', '2', '--verify', '--command-rate'], numbers)).toBe(
      '--command-rate needs a value',
    );
    // A flag before another option is not a number option left empty.
    expect(refusal(argv, ['fleet', '--verify', '--homes', '2'], numbers)).toBeUndefined();
  });

  it('refuses a string option with a default typed with nothing after it; after = any text is a value', () => {
    const argv = { tick: '10ms', homes: 2 };
    const valued = ['tick', 'homes'];
    expect(refusal(argv, ['fleet', '--homes', '2', '--tick'], valued)).toBe('--tick needs a value');
    expect(refusal(argv, ['fleet', '--tick', '--homes', '2'], valued)).toBe('--tick needs a value');
    expect(refusal(argv, ['fleet', '--tick=', '--homes', '2'], valued)).toBe('--tick needs a value');
    expect(refusal({ tick: '-5ms' }, ['fleet', '--tick=-5ms'], valued)).toBeUndefined();
    expect(refusal(argv, ['fleet', '--tick', '0'], valued)).toBeUndefined();
  });
});

describe('joinDashedValues', () => {
  it('gives a long option the word after it that starts with a dash and a digit', () => {
    expect(joinDashedValues(['fleet', '--tick', '-5ms', '--homes', '-2'])).toEqual([
      'fleet',
      '--tick=-5ms',
      '--homes=-2',
    ]);
  });

  it('leaves options, short flags, values after = and everything after -- as typed', () => {
    const args = ['fleet', '--verify', '--tick', '10ms', '-h', '--tick=-5ms', '--prefix', '-x', '--', '--a', '-1'];
    expect(joinDashedValues(args)).toEqual(args);
  });
});
