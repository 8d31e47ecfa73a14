import { Type, type Static } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { validateCommand } from '../home/status-codec.js';
import type { StatusString } from '../home/types.js';

/**
 * Decodes a bus payload into a request for the home: the legacy 9-digit string the real apps send, or a
 * JSON command in the bus's Producer/command convention (docs/bus.md). Never throws anything but a
 * BridgeError with a stable code and a reason.
 */
/** A request id, echoed exactly as sent (a string stays a string, a number a number). */
export type RequestId = string | number;

export type Request =
  | { kind: 'control'; id?: RequestId; producer?: string; format: 'legacy'; command: StatusString }
  | { kind: 'control'; id?: RequestId; producer?: string; format: 'json'; control: JsonControl }
  | { kind: 'status'; id?: RequestId; producer?: string };

const Id = Type.Union([
  Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x20-\\x7e]+$' }),
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
]);
const Digit = (max: number) => Type.Integer({ minimum: 0, maximum: max });
const OpenClose = Type.Union([Type.Literal('open'), Type.Literal('close'), Type.Boolean()]);

const Control = Type.Object(
  {
    Producer: Type.Optional(Type.String({ maxLength: 64 })),
    command: Type.Literal('control'),
    id: Type.Optional(Id),
    mode: Type.Optional(Digit(4)),
    aircon: Type.Optional(
      Type.Union([
        Type.Boolean(),
        Type.Object(
          { enabled: Type.Optional(Type.Boolean()), power: Type.Optional(Digit(9)) },
          { additionalProperties: false },
        ),
      ]),
    ),
    light: Type.Optional(
      Type.Union([
        Type.Boolean(),
        Type.Object(
          {
            enabled: Type.Optional(Type.Boolean()),
            brightness: Type.Optional(Digit(9)),
            color: Type.Optional(Digit(7)),
            effect: Type.Optional(Digit(3)),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    window: Type.Optional(OpenClose),
    gasValve: Type.Optional(OpenClose),
  },
  { additionalProperties: false },
);
export type JsonControl = Static<typeof Control>;

const StatusRequest = Type.Object(
  { Producer: Type.Optional(Type.String({ maxLength: 64 })), command: Type.Literal('status'), id: Type.Optional(Id) },
  { additionalProperties: false },
);

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const validateControl = ajv.compile<JsonControl>(Control);
const validateStatusRequest = ajv.compile<Static<typeof StatusRequest>>(StatusRequest);

const KNOWN_COMMANDS = ['control', 'status'];

/** Decodes one payload. `maxBytes` bounds what is even looked at. */
export function decodeRequest(payload: Buffer, maxBytes: number): Request {
  if (payload.length > maxBytes) {
    throw new BridgeError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `payload of ${payload.length} bytes exceeds the limit of ${maxBytes}`,
      { size: payload.length },
    );
  }
  const text = payload.toString('utf8').trim();
  if (text.startsWith('{')) return decodeJson(text);
  return { kind: 'control', format: 'legacy', command: validateCommand(text) };
}

function decodeJson(text: string): Request {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BridgeError(
      ErrorCode.PAYLOAD_NOT_JSON,
      `payload starts with "{" but is not valid JSON: ${(e as Error).message}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BridgeError(ErrorCode.PAYLOAD_INVALID, 'a JSON command must be an object');
  }
  const obj = value as Record<string, unknown>;
  const id = idOf(obj['id']);
  const ctx = id === undefined ? {} : { id };
  if (typeof obj['command'] !== 'string') {
    throw new BridgeError(ErrorCode.PAYLOAD_INVALID, '/command: missing field "command" (one of control, status)', ctx);
  }
  if (!KNOWN_COMMANDS.includes(obj['command'])) {
    throw new BridgeError(
      ErrorCode.COMMAND_UNKNOWN,
      `/command: unknown command ${JSON.stringify(obj['command'].slice(0, 40))} (known: ${KNOWN_COMMANDS.join(', ')})`,
      ctx,
    );
  }
  const validate = obj['command'] === 'control' ? validateControl : validateStatusRequest;
  if (!validate(obj)) throw new BridgeError(ErrorCode.PAYLOAD_INVALID, reasonOf(validate.errors ?? []), ctx);
  const producer = typeof obj['Producer'] === 'string' ? obj['Producer'] : undefined;
  const base = { ...(id === undefined ? {} : { id }), ...(producer === undefined ? {} : { producer }) };
  if (obj['command'] === 'status') return { kind: 'status', ...base };
  return { kind: 'control', format: 'json', control: obj as JsonControl, ...base };
}

/**
 * One reason for a rejected JSON command. In a union field (`aircon: true | {…}`) Ajv reports a failure
 * per alternative; the deepest one comes from the alternative the sender meant (`/light/color: must be
 * <= 7`, not `/light: must be boolean`), and when every alternative failed on its type or constant, the
 * reason lists what the field accepts.
 */
function reasonOf(errors: readonly ErrorObject[]): string {
  const real = errors.filter((e) => e.keyword !== 'anyOf');
  if (real.length === 0) return '/: is invalid';
  const depth = (e: ErrorObject): number => e.instancePath.split('/').length;
  const deepest = Math.max(...real.map(depth));
  const candidates = real.filter((e) => depth(e) === deepest);
  const where = candidates[0]!.instancePath || '/';
  const specific = candidates.find((e) => e.keyword !== 'type' && e.keyword !== 'const');
  if (specific?.keyword === 'additionalProperties')
    return `${where}: unknown field "${String(specific.params['additionalProperty'])}"`;
  if (specific) return `${where}: ${specific.message ?? 'is invalid'}`;
  const accepted = candidates.map((e) =>
    e.keyword === 'const' ? JSON.stringify(e.params['allowedValue']) : String(e.params['type']),
  );
  return `${where}: must be ${[...new Set(accepted)].join(' or ')}`;
}

/** The id of a request, unchanged, if it is a usable one (also for error reports of invalid requests). */
export function idOf(v: unknown): RequestId | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && v.length > 0 && v.length <= 64 && /^[\x20-\x7e]+$/.test(v)) return v;
  return undefined;
}

/**
 * A JSON control as a command string against the current status: unnamed appliances are kept (`2`),
 * an appliance named without some of its values keeps the current ones, naming a value of an appliance
 * turns it on unless `enabled: false` says otherwise, and the mode defaults to 0 (individual control),
 * as the apps' appliance tiles send.
 */
export function controlToCommand(c: JsonControl, current: StatusString): StatusString {
  const cur = (i: number): string => current[i]!;
  let aircon = '22';
  if (c.aircon !== undefined) {
    const a = typeof c.aircon === 'boolean' ? { enabled: c.aircon } : c.aircon;
    const on = a.enabled ?? true;
    aircon = on ? `1${a.power ?? cur(2)}` : `0${cur(2)}`;
  }
  let light = `2${cur(4)}${cur(5)}${cur(6)}`;
  if (c.light !== undefined) {
    const l = typeof c.light === 'boolean' ? { enabled: c.light } : c.light;
    const on = l.enabled ?? true;
    light = `${on ? 1 : 0}${l.brightness ?? cur(4)}${l.color ?? cur(5)}${l.effect ?? cur(6)}`;
  }
  const oc = (v: JsonControl['window']): string => (v === undefined ? '2' : v === true || v === 'open' ? '1' : '0');
  return validateCommand(`${c.mode ?? 0}${aircon}${light}${oc(c.window)}${oc(c.gasValve)}`);
}
