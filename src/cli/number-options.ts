import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * yargs reads a `type: 'number'` option given a word (`--homes lots`) as NaN, and every check further on
 * could only say "got NaN". This check, run before any command's handler, refuses such an option with the
 * text that was typed. `args`: the command line without node and the script; `numberOptions`: the
 * command's number options (yargs's `options.number`).
 */
export function refuseNonNumbers(
  argv: Record<string, unknown>,
  args: readonly string[],
  numberOptions: readonly string[] = [],
): true {
  // Typed with nothing after it (`--connect-rate` last, or before another option): yargs leaves it
  // undefined, as if it had not been typed at all, or gives it its default (`--command-rate` → 0).
  const numbers = new Set(numberOptions);
  const empty = Object.keys(argv).find((k) => {
    const typed = argv[k] === undefined || numbers.has(k) ? typedValue(args, k) : undefined;
    return typed !== undefined && isEmptyValue(typed);
  });
  if (empty !== undefined) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--${empty} needs a value`);
  const bad = Object.keys(argv).filter((k) => Number.isNaN(argv[k]));
  if (bad.length === 0) return true;
  // yargs sets a camel-case twin of each dashed option: name the one that was typed.
  const key = bad.find((k) => typedValue(args, k) !== undefined) ?? bad[0]!;
  throw new BridgeError(
    ErrorCode.CONFIG_INVALID,
    `--${key} must be a number, got ${JSON.stringify(typedValue(args, key) ?? 'NaN')}`,
  );
}

/** What followed `--key` (or `--key=`) on the command line; undefined if the option was not typed so. */
function typedValue(args: readonly string[], key: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${key}`) return args[i + 1] ?? '';
    if (a.startsWith(`--${key}=`)) return a.slice(key.length + 3);
  }
  return undefined;
}

/** Nothing, or the next option, where a value belongs (a negative number is a value). */
function isEmptyValue(v: string): boolean {
  return v === '' || (v.startsWith('-') && Number.isNaN(Number(v)));
}
