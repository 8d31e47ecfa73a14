import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SerialPortStream } from '@serialport/stream';
import { BridgeError, ErrorCode, toBridgeError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { RealClock } from '../environment/clock.js';
import { nativeBinding } from '../links/serial/native-binding.js';

/**
 * `firmware flash`: writes our sketch (or StandardFirmata) to an Uno with avrdude, then opens the port
 * and checks that the new firmware answers: our sketch's handshake, or Firmata's version report.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIRMATA_HEX = join(ROOT, '.cache', 'firmata', 'StandardFirmata.cpp.hex');
const FIRMATA_FETCH = join(ROOT, 'scripts', 'firmata', 'fetch-standardfirmata.ts');
const FIRMATA_BAUD = 57_600;
/** The Uno's bootloader (optiboot): programmer `arduino` at 115200 baud, part ATmega328P. */
export const UNO_AVRDUDE_ARGS = ['-p', 'atmega328p', '-c', 'arduino', '-b', '115200', '-D'];

export interface FlashResult {
  /** The one line to print. */
  line: string;
  code: number;
}

export function findOnPath(program: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, program))) return join(dir, program);
  }
  return undefined;
}

/** StandardFirmata's hex: fetched by scripts/firmata (checksum-checked) into .cache/firmata/ on first use. */
async function firmataHex(): Promise<string> {
  if (existsSync(FIRMATA_HEX)) return FIRMATA_HEX;
  if (!existsSync(FIRMATA_FETCH)) {
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      `no StandardFirmata at ${FIRMATA_HEX}; fetching it needs a source checkout (scripts/firmata)`,
    );
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', FIRMATA_FETCH],
      { cwd: ROOT, timeout: 300_000 },
      (e, stdout, stderr) => {
        if (e)
          reject(
            new BridgeError(
              ErrorCode.FIRMWARE_BUILD,
              'cannot fetch StandardFirmata (npm run firmata:fetch): ' +
                `${(stderr.trim().split('\n').pop() ?? e.message).trim()}`,
            ),
          );
        else resolve(stdout.trim().split('\n').pop()!.trim());
      },
    );
  });
}

/** Runs avrdude; resolves with its exit code and its last meaningful output line. */
function avrdude(program: string, args: string[]): Promise<{ code: number; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('utf8')));
    child.once('error', (e) =>
      reject(new BridgeError(ErrorCode.FIRMWARE_BUILD, `cannot run ${program}: ${e.message}`)),
    );
    child.once('close', (code, signal) => {
      const lines = output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !/^avrdude( done)?[.:]? *(Thank you\.?)?$/.test(l));
      resolve({ code: code ?? (signal ? 128 : 1), last: lines.at(-1) ?? '' });
    });
  });
}

/** Our sketch: the serial link's own handshake (BOOT or PING, protocol version), then its status. */
async function confirmSketch(port: string): Promise<string> {
  const { SerialLink } = await import('../links/serial/serial-link.js');
  const link = new SerialLink({ path: port, clock: new RealClock(), logger: silentLogger() });
  try {
    await link.start();
    return `the smarthome sketch answers on ${port} (status ${link.status ?? '?'})`;
  } finally {
    await link.stop();
  }
}

/**
 * StandardFirmata: asks for the protocol version (REPORT_VERSION, 0xF9) once a second until the board
 * answers with 0xF9 major minor, or `timeoutMs` pass. A real Uno resets on open and announces its
 * version by itself once booted; a board that did not reset answers the query.
 */
export async function confirmFirmata(port: string, timeoutMs = 10_000): Promise<string> {
  const serial = new SerialPortStream({
    binding: nativeBinding(),
    path: port,
    baudRate: FIRMATA_BAUD,
    autoOpen: false,
  });
  await new Promise<void>((resolve, reject) =>
    serial.open((e) =>
      e ? reject(new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot open ${port}: ${e.message}`)) : resolve(),
    ),
  );
  let ask: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const version = await new Promise<string>((resolve, reject) => {
      let seen = Buffer.alloc(0);
      serial.on('data', (b: Buffer) => {
        seen = Buffer.concat([seen, b]).subarray(-64);
        const at = seen.indexOf(0xf9);
        if (at >= 0 && seen.length >= at + 3) resolve(`${seen[at + 1]}.${seen[at + 2]}`);
      });
      const query = (): void => void serial.write(Buffer.from([0xf9]));
      query();
      ask = setInterval(query, 1000);
      timer = setTimeout(
        () =>
          reject(
            new BridgeError(
              ErrorCode.FIRMATA_TIMEOUT,
              `no Firmata version report on ${port} within ${timeoutMs / 1000} s`,
            ),
          ),
        timeoutMs,
      );
    });
    return `StandardFirmata answers on ${port} (Firmata protocol ${version})`;
  } finally {
    clearInterval(ask);
    clearTimeout(timer);
    await new Promise<void>((resolve) => (serial.isOpen ? serial.close(() => resolve()) : resolve()));
  }
}

export interface FlashOptions {
  port: string;
  firmata: boolean;
  /** Our sketch's hex (ignored with firmata). */
  hex: string;
}

export async function flash(o: FlashOptions): Promise<FlashResult> {
  const program = findOnPath('avrdude');
  if (!program)
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      'avrdude not found on PATH; install the Debian package avrdude (sudo apt-get install avrdude)',
    );
  const hex = o.firmata ? await firmataHex() : o.hex;
  if (!existsSync(hex)) throw new BridgeError(ErrorCode.FIRMWARE_BUILD, `no firmware at ${hex}`);
  const what = o.firmata ? 'StandardFirmata' : 'the smarthome sketch';
  const run = await avrdude(program, [...UNO_AVRDUDE_ARGS, '-P', o.port, '-U', `flash:w:${hex}:i`]);
  if (run.code !== 0)
    return { code: 1, line: `avrdude could not flash ${what} to ${o.port} (exit ${run.code}): ${run.last}` };
  try {
    const answer = o.firmata ? await confirmFirmata(o.port) : await confirmSketch(o.port);
    return { code: 0, line: `flashed ${what} to ${o.port}; ${answer}` };
  } catch (e) {
    return {
      code: 1,
      line: `flashed ${what} to ${o.port}, but the board does not answer: ${toBridgeError(e).message}`,
    };
  }
}
