import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { topicMatches } from '../core/topics.js';
import { DevicesSchema, type DevicesConfig } from './schema.js';
import { findJsonSyntaxError, lineColumn } from './json-position.js';

/** The devices.json shipped with the package (the original Car2Home smarthome). */
export const DEFAULT_DEVICES_PATH = fileURLToPath(new URL('../../devices.json', import.meta.url));

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true });
ajv.addKeyword('markdownDescription');
const validate = ajv.compile<DevicesConfig>(DevicesSchema);

function describeAjvError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}: unknown field "${String(e.params['additionalProperty'])}"`;
    case 'required':
      return `${at}: missing field "${String(e.params['missingProperty'])}"`;
    case 'enum':
      return (
        `${at}: must be one of ` +
        `${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
      );
    default:
      return `${at}: ${e.message ?? e.keyword}`;
  }
}

/**
 * Ajv reports a union of constants (a PWM pin, a QoS) once per alternative plus once as `anyOf`; say it
 * once, with the choices: `/appliances/aircon/pins/fan: must be one of "D3", "D5", …`.
 */
function describeAjvErrors(errors: readonly ErrorObject[]): string[] {
  const choices = new Map<string, unknown[]>();
  for (const e of errors) {
    if (e.keyword !== 'const') continue;
    const list = choices.get(e.instancePath) ?? [];
    list.push(e.params['allowedValue']);
    choices.set(e.instancePath, list);
  }
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.flatMap((e) => {
    const merged = unionPaths.has(e.instancePath) ? choices.get(e.instancePath) : undefined;
    if (!merged) return [describeAjvError(e)];
    // The alternatives' own failures (const, type) are what "one of" sums up.
    if (e.keyword !== 'anyOf') return [];
    return [`${e.instancePath || '/'}: must be one of ${merged.map((v) => JSON.stringify(v)).join(', ')}`];
  });
}

/** Checks a schema cannot express: relations between fields. */
function semanticProblems(c: DevicesConfig): string[] {
  const problems: string[] = [];
  const w = c.appliances.window;
  if (w.openDeg === w.closedDeg) problems.push('/appliances/window/openDeg: must differ from closedDeg');
  for (const [name, route] of Object.entries(c.bus.routes)) {
    if (topicMatches(c.bus.commandFilter, route.topic)) {
      problems.push(
        `/bus/routes/${name}/topic: "${route.topic}" is under the command filter ${c.bus.commandFilter} and ` +
          'would loop back as a command',
      );
    }
  }
  const pins = new Map<string, string>();
  const use = (pin: string, where: string): void => {
    const other = pins.get(pin);
    if (other) problems.push(`${where}: pin ${pin} is already used by ${other}`);
    else pins.set(pin, where);
  };
  const a = c.appliances;
  use(a.aircon.pins.fan, '/appliances/aircon/pins/fan');
  use(a.light.pins.red, '/appliances/light/pins/red');
  use(a.light.pins.green, '/appliances/light/pins/green');
  use(a.light.pins.blue, '/appliances/light/pins/blue');
  use(a.window.pins.servo, '/appliances/window/pins/servo');
  use(a.window.pins.contact, '/appliances/window/pins/contact');
  use(a.gasValve.pins.output, '/appliances/gasValve/pins/output');
  use(c.sensors.rain.pin, '/sensors/rain/pin');
  for (const [b, p] of Object.entries(c.sensors.buttons.pins)) use(p, `/sensors/buttons/pins/${b}`);
  // The climate parts differ per link: the DHT11 pin and the Firmata analog pins never coexist.
  const linkPins = new Map(pins);
  const dht = c.sensors.climate.serial.pin;
  if (linkPins.has(dht))
    problems.push(`/sensors/climate/serial/pin: pin ${dht} is already used by ${linkPins.get(dht)}`);
  const f = c.sensors.climate.firmata;
  for (const [where, p] of [
    ['/sensors/climate/firmata/temperature/pin', f.temperature.pin],
    ['/sensors/climate/firmata/humidity/pin', f.humidity.pin],
  ] as const) {
    if (linkPins.has(p)) problems.push(`${where}: pin ${p} is already used by ${linkPins.get(p)}`);
    else linkPins.set(p, where);
  }
  return problems;
}

/** Validates a parsed devices.json object, filling defaults. `source` names the file in errors. */
export function parseDevicesConfig(value: unknown, source = 'devices.json'): DevicesConfig {
  const copy: unknown = structuredClone(value ?? {});
  if (!validate(copy)) {
    const problems = describeAjvErrors(validate.errors ?? []);
    throw configError(source, problems);
  }
  const problems = semanticProblems(copy);
  if (problems.length > 0) throw configError(source, problems);
  return copy;
}

function configError(source: string, problems: string[]): BridgeError {
  const unique = [...new Set(problems)];
  const head = `${source}${unique[0]!.startsWith('/') ? '' : ': '}${unique[0]}`;
  const more =
    unique.length > 1
      ? `\n${unique
          .slice(1)
          .map((p) => `${source}${p}`)
          .join('\n')}`
      : '';
  return new BridgeError(ErrorCode.CONFIG_INVALID, `invalid configuration ${head}${more}`, {
    source,
    problems: unique,
  });
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    // Editors understand file:line:column. V8's own message has no position for many mistakes and
    // quotes the text (newlines included), so the scanner says where and why, on one line.
    const found = findJsonSyntaxError(text);
    if (found) {
      const { line, column } = lineColumn(text, found.offset);
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        `invalid configuration ${source}:${line}:${column}: ${found.reason}`,
        { source, line, column },
      );
    }
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new BridgeError(ErrorCode.CONFIG_INVALID, `invalid configuration ${source}: ${message}`, { source });
  }
}

export async function loadDevicesConfig(path = DEFAULT_DEVICES_PATH): Promise<DevicesConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot read configuration ${path}: ${(e as Error).message}`, {
      source: path,
    });
  }
  return parseDevicesConfig(parseJson(text, path), path);
}

/** The defaults alone (every field filled from the schema). */
export function defaultDevicesConfig(): DevicesConfig {
  return parseDevicesConfig({});
}

/** The shipped devices.json, read synchronously (for library users that want the original home). */
export function shippedDevicesConfig(): DevicesConfig {
  return parseDevicesConfig(
    parseJson(readFileSync(DEFAULT_DEVICES_PATH, 'utf8'), DEFAULT_DEVICES_PATH),
    DEFAULT_DEVICES_PATH,
  );
}
