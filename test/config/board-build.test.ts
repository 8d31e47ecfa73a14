import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedBuild, findBuildMismatch } from '../../src/config/board-build.js';
import { DEFAULT_DEVICES_PATH, shippedDevicesConfig } from '../../src/config/load.js';
import { REPO_ROOT } from '../support/brokers.js';

/** scripts/firmware/write-config.ts, as `npm run firmware:check` runs it first. */
function writeConfig(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/firmware/write-config.ts', ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

let dir: string;
let movedDevices: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'board-build-'));
  const json = JSON.parse(await readFile(DEFAULT_DEVICES_PATH, 'utf8')) as {
    sensors: { climate: { serial: { pin: string } } };
  };
  json.sensors.climate.serial.pin = 'D13';
  movedDevices = join(dir, 'devices.json');
  await writeFile(movedDevices, JSON.stringify(json));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the board build table', () => {
  it('finds the first field a board reports differently, and one it does not report', () => {
    const config = shippedDevicesConfig();
    const report = expectedBuild(config);
    expect(findBuildMismatch(config, report)).toBeUndefined();
    expect(report.get('climate')).toEqual(['D2', '2000', '60000']);
    expect(report.get('rain')).toEqual(['A1', '2000', '1']);
    const moved = new Map(report).set('window', ['D9', 'D10', '0', '120', '10', '2000']);
    expect(findBuildMismatch(config, moved)).toEqual({
      path: 'appliances.window.openDeg',
      board: '120',
      expected: '110',
    });
    const partial = new Map(report);
    partial.delete('gas');
    expect(findBuildMismatch(config, partial)).toEqual({
      path: 'appliances.gasValve.pins.output',
      board: undefined,
      expected: 'D8',
    });
  });
});

describe('firmware:check and config.h', () => {
  it('passes for the committed config.h and the shipped devices.json', async () => {
    expect((await writeConfig(['--check'])).code).toBe(0);
  }, 60_000);

  it('fails, naming the field, when devices.json moved a pin the committed config.h does not have', async () => {
    const r = await writeConfig(['--check', '--devices', movedDevices]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      new RegExp(
        String.raw`config\.h is not generated from .*devices\.json \(sensors\.climate\.serial\.pin is "D2" there, ` +
          String.raw`"D13" in .*\); run npm run firmware:build`,
      ),
    );
  }, 60_000);

  it('fails when config.h was edited by hand (stale)', async () => {
    const header = join(dir, 'config.h');
    const committed = await readFile(join(REPO_ROOT, 'firmware/smarthome/config.h'), 'utf8');
    await writeFile(header, committed.replace('const uint8_t PIN_FAN = 3;', 'const uint8_t PIN_FAN = 6;'));
    const r = await writeConfig(['--check', '--header', header]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/config\.h is not generated from devices\.json/);
  }, 60_000);
});
