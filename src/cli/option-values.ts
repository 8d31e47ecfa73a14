import { BridgeError, ErrorCode } from '../core/errors.js';

/*
 * What every command's option values go through besides yargs: a value that starts with a dash kept as
 * a value, a number option given a word, an option given no value at all.
 */

/**
 * yargs reads a `type: 'number'` option given a word (`--homes lots`) as NaN, and every check further on
 * could only say "got NaN". This check, run before any command's handler, refuses such an option with the
 * text that was typed, and any option typed with no value after it. `args`: the command line without node
 * and the script; `valueOptions`: the command's options that take a value (yargs's `options.number` and
 * `options.string`).
 */
export function refuseBadValues(
  argv: Record<string, unknown>,
  args: readonly string[],
  valueOptions: readonly string[] = [],
): true {
  // Typed with nothing after it (`--connect-rate` last, or before another option): yargs leaves it
  // undefined, as if it had not been typed at all, or gives it its default (`--command-rate` → 0,
  // `--tick` → 10ms).
  const valued = new Set(valueOptions);
  const empty = Object.keys(argv).find((k) => {
    const typed = argv[k] === undefined || valued.has(k) ? typedValue(args, k) : undefined;
    return typed !== undefined && isEmptyValue(typed);
  });
  if (empty !== undefined) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--${empty} needs a value`);
  const bad = Object.keys(argv).filter((k) => Number.isNaN(argv[k]));
  if (bad.length === 0) return true;
  // yargs sets a camel-case twin of each dashed option: name the one that was typed.
  const key = bad.find((k) => typedValue(args, k) !== undefined) ?? bad[0]!;
  throw new BridgeError(
    ErrorCode.CONFIG_INVALID,
    `--${key} must be a number, got ${JSON.stringify(typedValue(args, key)?.text ?? 'NaN')}`,
  );
}

/**
 * yargs takes a word that starts with a dash for options of its own unless it is a plain negative number:
 * `--tick -5ms` came out as "Unknown arguments: 5, m, s". No option of this CLI is a digit, so a dash and
 * a digit after a long option begin that option's value: it is handed to yargs as `--tick=-5ms`, and
 * refused for what it says. Words after `--` are left alone.
 */
export function joinDashedValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A value as typed after `--key` (`next`: the word after it) or `--key=`. */
interface Typed {
  text: string;
  next: boolean;
}

/** What followed `--key` (or `--key=`) on the command line; undefined if the option was not typed so. */
function typedValue(args: readonly string[], key: string): Typed | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${key}`) return { text: args[i + 1] ?? '', next: true };
    if (a.startsWith(`--${key}=`)) return { text: a.slice(key.length + 3), next: false };
  }
  return undefined;
}

/**
 * Nothing, or the next option, where a value belongs. A negative number is a value, and so is anything
 * after `=` but nothing (`--tick=-5ms` is a value to refuse for what it says, not a missing one).
 */
function isEmptyValue(v: Typed): boolean {
  return v.text === '' || (v.next && v.text.startsWith('-') && Number.isNaN(Number(v.text)));
}
