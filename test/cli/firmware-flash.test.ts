/**
 * `firmware flash` as a process: avrdude is a stand-in script on PATH that records its arguments, and
 * the board that must answer afterwards is the emulated Uno on a pseudo-terminal (our sketch, or
 * StandardFirmata fetched by scripts/firmata).
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { FIRMWARE_HEX } from '../../src/cli/firmware.js';
import { startVirtualArduino, type VirtualArduino } from '../../src/links/firmware/virtual-arduino.js';
import { runCli } from '../support/cli-process.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from '../links/firmata/support/standard-firmata.js';

let dir: string;
let argsFile: string;

/** An `avrdude` that records its arguments, prints like avrdude, and exits with `code`. */
async function standIn(code: number, message = ''): Promise<string> {
  const bin = await mkdtemp(join(dir, 'bin-'));
  await writeFile(
    join(bin, 'avrdude'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\necho "avrdude: AVR device initialized and ready to accept ` +
      `instructions" >&2\n${message ? `echo "${message}" >&2\n` : ''}echo "avrdude done.  Thank you." >&2\nexit ` +
      `${code}\n`,
  );
  await chmod(join(bin, 'avrdude'), 0o755);
  return `${bin}:${process.env['PATH']}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flash-'));
  argsFile = join(dir, 'args');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('firmware flash', () => {
  it('without avrdude: one line naming the Debian package, exit 2', async () => {
    const empty = await mkdtemp(join(dir, 'empty-'));
    const r = await runCli(['firmware', 'flash', '--port', '/dev/ttyACM0'], 60_000, { PATH: empty });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'smarthome-bridge: avrdude not found on PATH; install the Debian package avrdude (sudo apt-get install avrdude)',
    ]);
  }, 90_000);

  it('without --port: one line, exit 2', async () => {
    const r = await runCli(['firmware', 'flash']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/needs --port/);
  }, 90_000);

  it("avrdude failing: exit 1 with avrdude's own reason", async () => {
    const PATH = await standIn(1, 'avrdude: stk500_recv(): programmer is not responding');
    const r = await runCli(['firmware', 'flash', '--port', '/dev/ttyACM9'], 60_000, { PATH });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'avrdude could not flash the smarthome sketch to /dev/ttyACM9 (exit 1): avrdude: stk500_recv(): ' +
        'programmer is not responding',
    );
  }, 90_000);

  describe('on the emulated Uno', () => {
    let uno: VirtualArduino | undefined;
    afterAll(async () => {
      await uno?.stop();
    });

    it("runs avrdude with the Uno's options, then confirms our sketch answers: one line, exit 0", async () => {
      uno = await startVirtualArduino({ config: defaultDevicesConfig() });
      const PATH = await standIn(0);
      const r = await runCli(['firmware', 'flash', '--port', uno.pty.path], 150_000, { PATH });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual([
        `flashed the smarthome sketch to ${uno.pty.path}; the smarthome sketch answers on ${uno.pty.path} ` +
          '(status 000000000)',
      ]);
      const args = (await readFile(argsFile, 'utf8')).trim().split('\n');
      expect(args).toEqual([
        '-p',
        'atmega328p',
        '-c',
        'arduino',
        '-b',
        '115200',
        '-D',
        '-P',
        uno.pty.path,
        '-U',
        `flash:w:${FIRMWARE_HEX}:i`,
      ]);
      await uno.stop();
      uno = undefined;
    }, 180_000);

    it(
      '--firmata flashes the fetched StandardFirmata and confirms its version report',
      async () => {
        const firmata = await standardFirmata();
        uno = await startVirtualArduino({ config: defaultDevicesConfig(), hex: firmata.path });
        const PATH = await standIn(0);
        const r = await runCli(['firmware', 'flash', '--firmata', '--port', uno.pty.path], 150_000, { PATH });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        expect(r.stdout.trim().split('\n')).toEqual([
          `flashed StandardFirmata to ${uno.pty.path}; StandardFirmata answers on ${uno.pty.path} (Firmata ` +
            'protocol 2.4)',
        ]);
        const args = (await readFile(argsFile, 'utf8')).trim().split('\n');
        expect(args.slice(-2)).toEqual(['-U', `flash:w:${firmata.path}:i`]);
      },
      FETCH_TIMEOUT_MS + 150_000,
    );

    it('a port where nothing answers: flashed, but exit 1 saying the board does not answer', async () => {
      // Our sketch's handshake against StandardFirmata: the wrong firmware for what was flashed.
      const PATH = await standIn(0);
      const r = await runCli(['firmware', 'flash', '--port', uno!.pty.path], 150_000, { PATH });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^flashed the smarthome sketch to .*, but the board does not answer: /);
    }, 180_000);
  });
});
