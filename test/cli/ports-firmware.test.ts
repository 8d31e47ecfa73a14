import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { describePort, formatPorts, listPorts } from '../../src/cli/ports.js';
import { REPO_ROOT } from '../support/brokers.js';

/** The real CLI as a child process; resolves with its exit code and output. */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('smarthome-bridge ports', () => {
  it('never crashes: a list and exit 0, or one clear line and exit ≠ 0 (no stack trace)', async () => {
    const r = await cli(['ports']);
    if (r.code === 0) {
      expect(r.stdout).toMatch(/\/dev\/|no serial ports found/);
    } else {
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^smarthome-bridge: cannot list serial ports: .*--port/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);

  it('explains a listing that fails for want of udev', async () => {
    const noUdev = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' });
    const err = await listPorts(() => Promise.reject(noUdev)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.PORT_UNAVAILABLE });
    expect((err as Error).message).toMatch(/udevadm was not found.*install udev.*--port \/dev\/ttyACM0/);
  });

  it('marks likely Arduinos by USB vendor or name', async () => {
    const rows = await listPorts(async () => [
      {
        path: '/dev/ttyACM0',
        manufacturer: 'Arduino (www.arduino.cc)',
        vendorId: '2341',
        productId: '0043',
        serialNumber: '1',
        pnpId: undefined,
        locationId: undefined,
      },
      {
        path: '/dev/ttyUSB0',
        manufacturer: '1a86',
        vendorId: '1A86',
        productId: '7523',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
      },
      {
        path: '/dev/ttyS0',
        manufacturer: undefined,
        vendorId: undefined,
        productId: undefined,
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
      },
    ]);
    expect(rows.map((r) => r.likelyArduino)).toEqual(['Arduino', 'CH340 USB serial, common on Uno clones', undefined]);
    const text = formatPorts(rows);
    expect(text).toContain('/dev/ttyACM0');
    expect(text.split('\n')[0]).toMatch(/2341:0043\s+<- likely an Arduino \(Arduino\)$/);
    expect(text.split('\n')[2]).not.toContain('likely');
    expect(formatPorts([])).toMatch(/no serial ports found/);
    expect(
      describePort({
        path: '/dev/x',
        manufacturer: 'Arduino LLC',
        vendorId: undefined,
        productId: undefined,
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
      }).likelyArduino,
    ).toBe('Arduino');
  });
});

describe('smarthome-bridge firmware', () => {
  it('path prints the absolute path of the committed hex', async () => {
    const r = await cli(['firmware', 'path']);
    expect(r.code).toBe(0);
    const path = r.stdout.trim();
    expect(isAbsolute(path)).toBe(true);
    expect(path.endsWith('firmware/build/smarthome.hex')).toBe(true);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path, 'utf8')).toMatch(/^:[0-9A-F]+\r?\n/);
  }, 60_000);

  it('build without the toolchain says how to install it and exits ≠ 0', async () => {
    // An empty PATH directory: arduino-builder and avr-gcc are "missing" (node runs by absolute path).
    const empty = await mkdtemp(join(tmpdir(), 'smarthome-nopath-'));
    const r = await cli(['firmware', 'build'], { PATH: empty });
    await rm(empty, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/toolchain is missing.*scripts\/firmware\/install-toolchain\.sh/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('smarthome-bridge run --link firmware', () => {
  it('refuses a board built from another devices.json: one line naming the field, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smarthome-moved-pin-'));
    try {
      const json = JSON.parse(readFileSync(join(REPO_ROOT, 'devices.json'), 'utf8')) as {
        sensors: { climate: { serial: { pin: string } } };
      };
      json.sensors.climate.serial.pin = 'D13';
      const devices = join(dir, 'devices.json');
      await writeFile(devices, JSON.stringify(json));
      const r = await cli([
        'run',
        '--link',
        'firmware',
        '--devices',
        devices,
        '--broker-host',
        '127.0.0.1',
        '--broker-port',
        '0',
      ]);
      expect(r.code).toBe(2);
      // The log (JSON lines) comes first; the failure is the last line, and no stack trace.
      const errors = r.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('{'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(
        new RegExp(
          String.raw`^smarthome-bridge: the board on .* was built with sensors\.climate\.serial\.pin D2, ` +
            String.raw`but devices\.json says D13`,
        ),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
