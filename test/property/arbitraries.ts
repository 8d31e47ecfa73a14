import fc from 'fast-check';

/** At least this many generated inputs per property (issue 7). */
export const RUNS = 100_000;

/** Highest digit per position: commands (2 = keep at state positions) and statuses. */
export const COMMAND_MAX = [4, 2, 9, 2, 9, 7, 3, 2, 2] as const;
export const STATUS_MAX = [4, 1, 9, 1, 9, 7, 3, 1, 1] as const;

const digitsUpTo = (max: readonly number[]): fc.Arbitrary<string> =>
  fc.tuple(...max.map((m) => fc.integer({ min: 0, max: m }))).map((d) => d.join(''));
export const validCommand = digitsUpTo(COMMAND_MAX);
export const validStatus = digitsUpTo(STATUS_MAX);

/** Things an attacker or a broken sender puts in a field: line breaks, NUL, the checksum star, long runs. */
export const injection = fc.oneof(
  fc.constantFrom(
    '\n',
    '\r\n',
    '\r',
    '\u0000',
    '*',
    '*FF',
    '\nSET 1 000000000*00\n',
    ' ',
    '\t',
    '\u2028',
    '\ufeff',
    '"',
    '\\',
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('0', '1', '2', '9', '*', '\n', '\u0000', ' '), minLength: 0, maxLength: 12 }),
  fc.integer({ min: 65, max: 5000 }).map((n) => 'A'.repeat(n)),
);

/** Near-misses of a 9-digit string: right length with one bad character, wrong lengths, digit runs. */
export const nearCommand = fc.oneof(
  fc
    .tuple(
      validCommand,
      fc.integer({ min: 0, max: 8 }),
      fc.oneof(
        fc.constantFrom('3', '5', '8', '9', 'a', ' ', '\n', '\u0000', '*', '٣'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
    )
    .map(([c, i, ch]) => c.slice(0, i) + ch + c.slice(i + 1)),
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 0, maxLength: 12 }),
  fc.tuple(validCommand, injection).map(([c, x]) => c + x),
  fc.tuple(injection, validCommand).map(([x, c]) => x + c),
);

const field = fc.oneof(
  injection,
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: -3, max: 12 }),
  fc.boolean(),
  fc.constantFrom('open', 'close'),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
/** Mostly a valid value, sometimes anything (so the validator has to look at every field). */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid as fc.Arbitrary<unknown>, weight: 8 }, { arbitrary: field, weight: 1 });
/** JSON commands close enough to valid that the validator has to look at every field. */
export const controlLike = fc
  .record({
    Producer: maybe(mostly(fc.constantFrom('android', 'server', 'car'))),
    command: fc.oneof(
      { arbitrary: fc.constant('control'), weight: 8 },
      { arbitrary: fc.constant('status'), weight: 1 },
      { arbitrary: injection, weight: 1 },
    ),
    id: maybe(
      mostly(
        fc.oneof(
          fc.string({
            unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
            minLength: 1,
            maxLength: 64,
          }),
          fc.nat(),
        ),
      ),
    ),
    mode: maybe(mostly(fc.integer({ min: 0, max: 4 }))),
    aircon: maybe(
      mostly(
        fc.oneof(
          fc.boolean(),
          fc.record({ enabled: maybe(fc.boolean()), power: maybe(mostly(fc.integer({ min: 0, max: 9 }))) }),
        ),
      ),
    ),
    light: maybe(
      mostly(
        fc.oneof(
          fc.boolean(),
          fc.record({
            enabled: maybe(fc.boolean()),
            brightness: maybe(mostly(fc.integer({ min: 0, max: 9 }))),
            color: maybe(mostly(fc.integer({ min: 0, max: 7 }))),
            effect: maybe(mostly(fc.integer({ min: 0, max: 3 }))),
          }),
        ),
      ),
    ),
    window: maybe(mostly(fc.constantFrom('open', 'close', true, false))),
    gasValve: maybe(mostly(fc.constantFrom('open', 'close', true, false))),
    // An unknown field makes the whole command invalid: rarely.
    extra: fc.oneof({ arbitrary: fc.constant(undefined), weight: 19 }, { arbitrary: field, weight: 1 }),
  })
  .map((o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)));
