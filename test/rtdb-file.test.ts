/**
 * --rtdb-file: the original backend's realtimedb.json, kept by the runtime from link events. Shape and
 * types as the backend reads them (status string, rain "0"/"1", openweather placeholders), other keys
 * kept, atomic rewrites, and a Python reader doing exactly what backend_process.py does with it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../src/config/load.js';
import { ErrorCode, isBridgeError } from '../src/core/errors.js';
import { silentLogger } from '../src/core/logger.js';
import { VirtualClock } from '../src/environment/clock.js';
import { RtdbFile } from '../src/rtdb-file.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { MqttRecorder } from './support/mqtt-recorder.js';

const __dirname = path.dirname(fileURLToPath(import.meta.url));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rtdb-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: the tests read deep into the JSON the bridge wrote
const read = (file: string): Record<string, any> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>;

describe('RtdbFile', () => {
  it(
    'writes the backend’s shape once the status is known, with ' + 'placeholders for what the backend must find',
    async () => {
      const file = path.join(dir, 'fresh.json');
      const f = await RtdbFile.open(file, silentLogger());
      expect(existsSync(file)).toBe(false);
      // A reading before the status is known writes nothing (it is folded into the first write).
      f.sensor({ sensor: 'rain', raining: false, time: 0 });
      await f.flush();
      expect(existsSync(file)).toBe(false);
      f.status('016155010');
      await f.flush();
      expect(read(file)).toEqual({
        smarthome: { status: '016155010' },
        sensor: {
          hometemp: { rain: '0' },
          openweather: { air_level: 1, description: '', icon: '01d', temp: '', update: '' },
        },
        server: { notification: 'none' },
      });
      f.sensor({ sensor: 'climate', temperature: 26.4, humidity: 55, time: 0 });
      f.sensor({ sensor: 'rain', raining: true, time: 0 });
      await f.flush();
      expect(read(file)['sensor']['hometemp']).toEqual({ temp: 26.4, humi: 55, rain: '1' });
      // 4-space indent like the backend's dump; no temporary file left beside it.
      expect(readFileSync(file, 'utf8')).toMatch(/^\{\n {4}"/);
      expect(readdirSync(dir).filter((n) => n.startsWith('.'))).toEqual([]);
    },
  );

  it('keeps keys written by others (a CP949 file with Korean text included) and rewrites only on change', async () => {
    const file = path.join(dir, 'shared.json');
    const korean = '맑음';
    const original = JSON.stringify(
      {
        sensor: {
          hometemp: { humi: 60, rain: 1, temp: 29.2 },
          openweather: { air_level: 2, description: korean, icon: '02n', temp: '19.8', update: '2021-09-22' },
        },
        smarthome: { status: '009060210' },
        server: { notification: 'x' },
        extra: [1, 2],
      },
      null,
      4,
    );
    // CP949 bytes for 맑음 are B8 BC C0 BD.
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from(original.split(korean)[0]!),
        Buffer.from([0xb8, 0xbc, 0xc0, 0xbd]),
        Buffer.from(original.split(korean)[1]!),
      ]),
    );
    const f = await RtdbFile.open(file, silentLogger());
    f.status('016155010');
    f.status('016155010');
    await f.flush();
    const after = read(file);
    expect(after['smarthome']).toEqual({ status: '016155010' });
    expect(after['sensor']['openweather']).toEqual({
      air_level: 2,
      description: korean,
      icon: '02n',
      temp: '19.8',
      update: '2021-09-22',
    });
    expect(after['sensor']['hometemp']).toEqual({ humi: 60, rain: 1, temp: 29.2 });
    expect(after['server']).toEqual({ notification: 'x' });
    expect(after['extra']).toEqual([1, 2]);
    expect(readFileSync(file, 'utf8')).toContain('\\ub9d1\\uc74c');
    expect(f.counters.writes).toBe(1);
    f.sensor({ sensor: 'rain', raining: false, time: 0 });
    f.sensor({ sensor: 'rain', raining: false, time: 1 });
    await f.flush();
    expect(f.counters.writes).toBe(2);
  });

  it('never overwrites a file that is not a JSON object', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'my notes\n');
    const err = await RtdbFile.open(file, silentLogger()).catch((e: unknown) => e);
    expect(isBridgeError(err, ErrorCode.RTDB_FILE)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
  });

  it('an unwritable place is a clear error at start', async () => {
    const err = await RtdbFile.open(path.join(dir, 'no', 'such', 'dir', 'realtimedb.json'), silentLogger()).catch(
      (e: unknown) => e,
    );
    expect(isBridgeError(err, ErrorCode.RTDB_FILE)).toBe(true);
  });

  it('a reader polling during a stream of rewrites always finds a whole file', async () => {
    const file = path.join(dir, 'busy.json');
    const f = await RtdbFile.open(file, silentLogger());
    f.status('000000000');
    let whole = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        if (existsSync(file)) {
          read(file); // throws on a torn file
          whole++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    for (let i = 0; i < 200; i++) {
      f.sensor({ sensor: 'climate', temperature: 20 + i / 10, humidity: 50, time: i });
      if (i % 10 === 0) await f.flush();
    }
    await f.flush();
    stop = true;
    await reader;
    expect(whole).toBeGreaterThan(0);
    expect(read(file)['sensor']['hometemp']['temp']).toBe(39.9);
  });
});

describe('--rtdb-file in the runtime', () => {
  let runtime: Runtime | undefined;
  afterEach(async () => {
    await runtime?.stop();
    runtime = undefined;
  });

  it('follows the link: boot status, commands, sensor readings; the backend’s reads succeed', async () => {
    const file = path.join(dir, 'realtimedb.json');
    const clock = new VirtualClock(0);
    const config = parseDevicesConfig({ bus: { healthPeriodMs: 0 } });
    runtime = await startRuntime({
      config,
      link: { kind: 'emulated' },
      clock,
      logger: silentLogger(),
      embeddedBroker: { port: 0 },
      rtdbFile: file,
    });
    await runtime.rtdb!.flush();
    expect(read(file)['smarthome']['status']).toBe(runtime.link.status);

    const bus = await MqttRecorder.connect(runtime.brokerUrl, ['webos/report/smarthome/#']);
    try {
      const mark = bus.mark();
      await bus.publish('webos/smarthome/info', '016155011');
      await bus.next((m) => m.json?.['command'] === 'ack', mark);
    } finally {
      await bus.close();
    }
    clock.advance(61_000);
    await runtime.rtdb!.flush();
    const tree = read(file);
    expect(tree['smarthome']['status']).toBe('016155011');
    expect(typeof tree['sensor']['hometemp']['temp']).toBe('number');
    expect(typeof tree['sensor']['hometemp']['humi']).toBe('number');
    expect(['0', '1']).toContain(tree['sensor']['hometemp']['rain']);

    // What backend_process.py does with the file every second (docs/car2home-bus.md §2).
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        [
          'import json, sys',
          "d = json.load(open(sys.argv[1], encoding='cp949'))",
          "s = d['smarthome']['status']",
          "print(s[0:9], int(s[8]), int(d['sensor']['hometemp']['rain']), " +
            "d['sensor']['openweather']['icon'][0:2], int(d['sensor']['openweather']['air_level']), " +
            "d['server']['notification'])",
        ].join('\n'),
        file,
      ],
      { encoding: 'utf8' },
    );
    expect(py.stderr).toBe('');
    expect(py.stdout.trim()).toMatch(/^016155011 1 [01] 01 1 none$/);
  });
});

describe('--rtdb-file shared with a second writer', () => {
  it('another process rewriting its own keys under the advisory lock ' +
    'meanwhile: neither loses the other’s keys', async () => {
    const file = path.join(dir, 'concurrent.json');
    writeFileSync(file, JSON.stringify({ smarthome: { status: '000000000' }, extra: { kept: true } }, null, 4));
    const f = await RtdbFile.open(file, silentLogger());
    const writer = spawn('/usr/bin/python3', [path.join(__dirname, 'support/rtdb-writer.py'), file, '300', 'backend'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    writer.stdout.on('data', (b: Buffer) => (out += b.toString()));
    writer.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => writer.on('exit', (code) => r(code)));
    // Ours: 300 status changes and readings, written while the writer writes.
    const statuses = Array.from({ length: 300 }, (_, i) => `0${i % 2}${i % 10}000000`);
    for (const [i, s] of statuses.entries()) {
      f.status(s);
      f.sensor({ sensor: 'climate', temperature: 20 + i / 10, humidity: 50, time: i });
      await new Promise((r) => setImmediate(r));
      if (i % 10 === 0) await f.flush();
    }
    await f.flush();
    expect(await exited).toBe(0);
    expect(out.trim()).toBe('done 300 lost 0');
    const tree = read(file);
    expect(tree['smarthome']['status']).toBe(statuses.at(-1));
    expect(tree['sensor']['hometemp']['temp']).toBe(49.9);
    expect(tree['sensor']['openweather']['update']).toBe('backend-299');
    expect(tree['server']['notification']).toBe('backend-299');
    expect(tree['extra']).toEqual({ kept: true });
    expect(f.counters.failures).toBe(0);
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it('writes nothing when its keys already hold its values (a restart with the same status)', async () => {
    const file = path.join(dir, 'unchanged.json');
    const f1 = await RtdbFile.open(file, silentLogger());
    f1.status('016155010');
    await f1.flush();
    const f2 = await RtdbFile.open(file, silentLogger());
    f2.status('016155010');
    await f2.flush();
    expect(f1.counters.writes).toBe(1);
    expect(f2.counters.writes).toBe(0);
  });
});
