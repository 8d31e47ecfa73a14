import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError, type BridgeError } from '../../src/core/errors.js';
import {
  DEFAULT_DEVICES_PATH,
  defaultDevicesConfig,
  loadDevicesConfig,
  parseDevicesConfig,
  shippedDevicesConfig,
} from '../../src/config/load.js';
import { devicesJsonSchema } from '../../src/config/json-schema.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const execFileAsync = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'devices-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeDevices(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

async function loadError(file: string): Promise<BridgeError> {
  try {
    await loadDevicesConfig(file);
  } catch (e) {
    if (isBridgeError(e)) return e;
    throw e;
  }
  throw new Error(`${file} loaded, expected an error`);
}

function parseError(value: unknown): BridgeError {
  try {
    parseDevicesConfig(value, 'devices.json');
  } catch (e) {
    if (isBridgeError(e)) return e;
    throw e;
  }
  throw new Error(`${JSON.stringify(value)} was accepted`);
}

describe('the shipped devices.json', () => {
  it('loads and describes the Uno wiring of docs/home-behaviour.md §4', async () => {
    const c = await loadDevicesConfig(DEFAULT_DEVICES_PATH);
    expect(shippedDevicesConfig()).toEqual(c);
    expect(c.sensors.climate.serial).toEqual({ part: 'dht11', pin: 'D2' });
    expect(c.appliances.aircon.pins.fan).toBe('D3');
    expect(c.sensors.buttons.pins).toEqual({ aircon: 'D4', light: 'D7', gas: 'D12' });
    expect(c.appliances.light.pins).toEqual({ red: 'D5', green: 'D6', blue: 'D11' });
    expect(c.appliances.gasValve.pins.output).toBe('D8');
    expect(c.appliances.window.pins).toEqual({ servo: 'D9', contact: 'D10' });
    expect(c.sensors.climate.firmata.temperature).toEqual({ part: 'tmp36', pin: 'A0' });
    expect(c.sensors.rain.pin).toBe('A1');
    expect(c.sensors.climate.firmata.humidity).toEqual({ part: 'hih4030', pin: 'A2' });
  });

  it('holds the timings of the original (10 ms per degree, 2 s debounce, 1 s hold, 60 s / 2 s sensors)', () => {
    const c = shippedDevicesConfig();
    expect(c.appliances.window).toMatchObject({ closedDeg: 0, openDeg: 110, msPerDegree: 10, contactDebounceMs: 2000 });
    expect(c.sensors.buttons.holdMs).toBe(1000);
    expect(c.sensors.climate.periodMs).toBe(60_000);
    expect(c.sensors.climate.firstReadingMs).toBe(2000);
    expect(c.sensors.rain.periodMs).toBe(2000);
    expect(c.bus.commandFilter).toBe('webos/smarthome/#');
  });
});

describe('defaults', () => {
  it('fill an empty object completely', () => {
    const c = parseDevicesConfig({});
    expect(c).toEqual(defaultDevicesConfig());
    expect(c.device.id).toBe('smarthome');
    expect(c.appliances.light).toMatchObject({
      dutyPerBrightnessStep: 25,
      sleepStepMs: 150,
      guideStepMs: 1450,
      treeStepMs: 500,
    });
    expect(c.bus.routes.status).toEqual({ topic: 'webos/report/smarthome/info', qos: 0, retain: true });
    expect(c.bus.routes.error.topic).toBe('webos/report/smarthome/error');
    expect(c.bus.ignoredTopics).toEqual(['webos/smarthome/error', 'webos/smarthome/warning']);
    expect(c.modes).toEqual(['individual', 'indoor', 'outing', 'sleep', 'eco']);
  });

  it('fill around the fields a file gives', () => {
    const c = parseDevicesConfig({ appliances: { window: { openDeg: 90 } }, bus: { routes: { ack: { qos: 1 } } } });
    expect(c.appliances.window).toMatchObject({ openDeg: 90, closedDeg: 0, msPerDegree: 10 });
    expect(c.bus.routes.ack).toEqual({ topic: 'webos/report/smarthome/info', qos: 1, retain: false });
  });

  it('do not change the value passed in', () => {
    const input = { device: { id: 'a' } };
    parseDevicesConfig(input);
    expect(input).toEqual({ device: { id: 'a' } });
  });
});

describe('invalid files: one clear error naming the path and field', () => {
  it.each([
    ['an unknown top-level field', { colour: 1 }, '/: unknown field "colour"'],
    ['an unknown nested field', { appliances: { window: { speed: 1 } } }, '/appliances/window: unknown field "speed"'],
    ['a wrong type', { bus: { keepaliveS: '15' } }, '/bus/keepaliveS: must be integer'],
    ['a wrong type (object for a string)', { device: { id: {} } }, '/device/id: must be string'],
    ['out of range', { appliances: { window: { openDeg: 200 } } }, '/appliances/window/openDeg: must be <= 180'],
    ['a negative seed', { environment: { seed: -1 } }, '/environment/seed: must be >= 0'],
    ['a QoS of 2', { bus: { routes: { ack: { qos: 2 } } } }, '/bus/routes/ack/qos: must be one of 0, 1'],
    [
      'a non-PWM pin for the fan',
      { appliances: { aircon: { pins: { fan: 'D4' } } } },
      '/appliances/aircon/pins/fan: must be one of "D3", "D5", "D6", "D9", "D10", "D11"',
    ],
    [
      'a serial pin',
      { appliances: { window: { pins: { contact: 'D1' } } } },
      '/appliances/window/pins/contact: must match pattern',
    ],
    [
      'a firmata temperature part the link cannot drive',
      { sensors: { climate: { firmata: { temperature: { part: 'dht11' } } } } },
      '/sensors/climate/firmata/temperature/part: must be one of "tmp36", "lm35"',
    ],
    [
      'a wildcard in a route topic',
      { bus: { routes: { sensor: { topic: 'webos/+/info' } } } },
      '/bus/routes/sensor/topic: must match pattern',
    ],
    [
      'a route topic under the command filter',
      { bus: { routes: { status: { topic: 'webos/smarthome/status' } } } },
      '/bus/routes/status/topic: "webos/smarthome/status" is under the command filter webos/smarthome/# and ' +
        'would loop back as a command',
    ],
    [
      'a route topic equal to Android’s bare command topic',
      { bus: { routes: { event: { topic: 'webos/smarthome' } } } },
      '/bus/routes/event/topic: "webos/smarthome" is under the command filter',
    ],
    [
      'a duplicate pin',
      { appliances: { gasValve: { pins: { output: 'D4' } } } },
      '/sensors/buttons/pins/aircon: pin D4 is already used by /appliances/gasValve/pins/output',
    ],
    [
      'the DHT11 on an appliance pin',
      { sensors: { climate: { serial: { pin: 'D8' } } } },
      '/sensors/climate/serial/pin: pin D8 is already used by /appliances/gasValve/pins/output',
    ],
    [
      'a Firmata analog pin shared with rain',
      { sensors: { climate: { firmata: { humidity: { pin: 'A1' } } } } },
      '/sensors/climate/firmata/humidity/pin: pin A1 is already used by /sensors/rain/pin',
    ],
    [
      'a window that never moves',
      { appliances: { window: { openDeg: 0 } } },
      '/appliances/window/openDeg: must differ from closedDeg',
    ],
    ['four mode names', { modes: ['a', 'b', 'c', 'd'] }, '/modes: must NOT have fewer than 5 items'],
    ['an array', [], '/: must be object'],
  ])('%s', (_what, value, expected) => {
    const e = parseError(value);
    expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(e.message).toContain(`devices.json${expected}`);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('lists every problem of a file, one line each, each naming the file', () => {
    const e = parseError({ device: { id: 3 }, bus: { keepaliveS: 1 }, extra: true });
    const lines = e.message.split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/devices\.json\/\S*: /);
    expect(e.context['problems']).toHaveLength(3);
  });

  it('names the file it read', async () => {
    const file = await writeDevices('wrong-type.json', JSON.stringify({ sensors: { rain: { periodMs: 'often' } } }));
    const e = await loadError(file);
    expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(e.message).toBe(`invalid configuration ${file}/sensors/rain/periodMs: must be integer`);
    expect(e.context['source']).toBe(file);
  });

  it.each([
    ['a trailing comma', '{\n  "device": {\n    "id": "x",\n  }\n}\n', 4, 3],
    ['a missing comma', '{\n  "device": {"id": "x"}\n  "modes": []\n}\n', 3, 3],
    ['a cut-off file', '{\n  "device": {\n', 3, 1],
    ['a comment', '// the house\n{}\n', 1, 1],
    ['an empty file', '', 1, 1],
    ['text after the value', '{}\n}\n', 2, 1],
  ])('reports a JSON syntax error (%s) with line:column', async (name, text, line, column) => {
    const file = await writeDevices(`syntax-${name.replace(/\W+/g, '-')}.json`, text);
    const e = await loadError(file);
    expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(e.message).toContain(`${file}:${line}:${column}: `);
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.context).toMatchObject({ line, column });
  });

  it('reports an unreadable file with CONFIG_UNREADABLE naming it', async () => {
    const file = path.join(dir, 'missing.json');
    const e = await loadError(file);
    expect(e.code).toBe(ErrorCode.CONFIG_UNREADABLE);
    expect(e.message).toContain(file);
  });
});

describe('devices.schema.json', () => {
  it('is current: equal to devicesJsonSchema() (regenerate with npm run schema)', async () => {
    const shipped = await readFile(path.join(ROOT, 'devices.schema.json'), 'utf8');
    expect(shipped).toBe(devicesJsonSchema());
  });

  it('is what the shipped devices.json points its editor at', async () => {
    const shipped = JSON.parse(await readFile(DEFAULT_DEVICES_PATH, 'utf8')) as Record<string, unknown>;
    expect(shipped['$schema']).toBe('./devices.schema.json');
  });
});

describe('the CLI with a bad devices.json', () => {
  const cli = async (cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await execFileAsync(cmd, args, {
        cwd: ROOT,
        timeout: 85_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const x = e as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof x.code === 'number' ? x.code : -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
    }
  };

  it('exits ≠ 0 with one clear line on stderr and no stack trace (npx tsx src/cli/main.ts --devices <bad>)', {
    timeout: 90_000,
  }, async () => {
    const file = await writeDevices(
      'cli-bad.json',
      JSON.stringify({ bus: { routes: { status: { topic: 'webos/smarthome/status' } } } }),
    );
    const r = await cli('npx', ['tsx', 'src/cli/main.ts', '--devices', file]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(
      `smarthome-bridge: invalid configuration ${file}/bus/routes/status/topic: "webos/smarthome/status" is ` +
        'under the command filter webos/smarthome/# and would loop back as a command',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('does the same for a JSON syntax error and for a missing file', { timeout: 90_000 }, async () => {
    const file = await writeDevices('cli-syntax.json', '{\n  "device": {"id": "x",}\n}\n');
    const syntax = await cli(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--devices', file]);
    expect(syntax.code).not.toBe(0);
    expect(syntax.stderr.trim().split('\n')).toHaveLength(1);
    expect(syntax.stderr).toContain(`${file}:2:`);
    const missing = await cli(process.execPath, [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'send',
      '016155010',
      '--devices',
      path.join(dir, 'nope.json'),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('nope.json');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
