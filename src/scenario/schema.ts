import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FAULT_NAMES } from '../harness/faults.js';

/**
 * Scenario files (YAML or JSON): a name, where to run, and steps. Each step is a map with exactly one
 * step key (`set`, `press`, `pushWindow`, `send`, `wait`, `expect`, `fault`), an optional `name`, and
 * that step's own options. The schemas below validate one step kind each, so an error names the real
 * problem instead of "matches none of seven alternatives".
 */

const oneOf = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

/** `500ms`, `2s`, `1.5m`, `1m30s`, `1h`, or a number of milliseconds. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*)+$|^\\s*\\d+(\\.\\d+)?\\s*$';
const Duration = Type.Unsafe<number | string>({
  type: ['number', 'string'],
  minimum: 0,
  pattern: DURATION_PATTERN,
  description: 'A duration: 500ms, 2s, 1m30s, 1h, or a number of milliseconds.',
});
const StatusPattern = Type.String({
  pattern: '^[0-9xX?]{9}$',
  description: 'Nine characters, each a digit or x (any digit).',
});
const Topic = Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]+$' });
const StepName = Type.Optional(
  Type.String({ maxLength: 200, description: 'Shown in reports instead of the step text.' }),
);
const strict = { additionalProperties: false } as const;

const Conditions = Type.Object(
  {
    indoorTemperature: Type.Optional(Type.Number({ minimum: -40, maximum: 80 })),
    indoorHumidity: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    outdoorTemperature: Type.Optional(Type.Number({ minimum: -40, maximum: 80 })),
    outdoorHumidity: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    raining: Type.Optional(Type.Boolean()),
  },
  { ...strict, minProperties: 1 },
);

const ExpectBody = Type.Object(
  {
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A topic or filter (+, #).' })),
    payload: Type.Optional(Type.String({ description: 'The exact payload text.' })),
    fields: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'A partial JSON payload; keys may be paths (aircon.on).',
      }),
    ),
    status: Type.Optional(StatusPattern),
    within: Type.Optional(Duration),
  },
  { ...strict, minProperties: 1 },
);

export const STEP_SCHEMAS = {
  set: Type.Object({ set: Conditions, name: StepName }, strict),
  press: Type.Object(
    {
      press: oneOf(['aircon', 'light', 'gas'] as const, 'The button to hold.'),
      hold: Type.Optional(Duration),
      name: StepName,
    },
    strict,
  ),
  pushWindow: Type.Object(
    { pushWindow: oneOf(['open', 'close'] as const, 'Where the window is pushed by hand.'), name: StepName },
    strict,
  ),
  send: Type.Object(
    {
      send: Type.Unsafe<string | Record<string, unknown>>({
        type: ['string', 'object'],
        description: 'A payload: a 9-digit string, any text, or an object sent as JSON.',
      }),
      topic: Type.Optional(Topic),
      name: StepName,
    },
    strict,
  ),
  wait: Type.Object({ wait: Duration, name: StepName }, strict),
  expect: Type.Object({ expect: ExpectBody, name: StepName }, strict),
  fault: Type.Object(
    {
      fault: oneOf(FAULT_NAMES, 'The fault to inject.'),
      for: Type.Optional(Duration),
      bytes: Type.Optional(Type.String({ maxLength: 4096, description: 'serial-garbage: the bytes to inject.' })),
      name: StepName,
    },
    strict,
  ),
} satisfies Record<string, TSchema>;

export type StepKind = keyof typeof STEP_SCHEMAS;
export const STEP_KINDS = Object.keys(STEP_SCHEMAS) as StepKind[];
export type StepOf<K extends StepKind> = Static<(typeof STEP_SCHEMAS)[K]>;

const LinkChoice = Type.Union([
  oneOf(['emulated', 'firmware'] as const, 'A link that needs no arguments.'),
  Type.Object(
    {
      kind: Type.Literal('emulated'),
      seed: Type.Optional(Type.Integer()),
      initialStatus: Type.Optional(Type.String()),
    },
    strict,
  ),
  Type.Object({ kind: Type.Literal('firmware'), hex: Type.Optional(Type.String()) }, strict),
  Type.Object(
    {
      kind: Type.Literal('serial'),
      port: Type.String({ minLength: 1 }),
      baudRate: Type.Optional(Type.Integer({ minimum: 300 })),
    },
    strict,
  ),
  Type.Object(
    {
      kind: Type.Literal('replay'),
      file: Type.String({ minLength: 1, description: 'A recording, relative to the scenario file.' }),
    },
    strict,
  ),
]);

export const ScenarioFileSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String()),
    link: Type.Optional(LinkChoice),
    devices: Type.Optional(Type.String({ minLength: 1, description: 'devices.json, relative to the scenario file.' })),
    seed: Type.Optional(Type.Integer()),
    time: Type.Optional(oneOf(['virtual', 'real'] as const, 'Virtual (stepped) or real (wall) time.')),
    speed: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    initialStatus: Type.Optional(Type.String({ pattern: '^[0-9]{9}$' })),
    steps: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1 }),
  },
  strict,
);
export type ScenarioFile = Static<typeof ScenarioFileSchema>;
