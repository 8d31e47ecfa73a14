import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { BridgeError, ErrorCode } from '../../core/errors.js';

const run = promisify(execFile);

/** Flash available to a sketch on an Uno (32 KB minus the 512-byte Optiboot bootloader). */
export const UNO_SKETCH_FLASH = 32256;
export const UNO_SRAM = 2048;

export interface SketchBuild {
  hexPath: string;
  flashBytes: number;
  sramBytes: number;
}

export interface BuildOptions {
  /** arduino-builder executable (default on PATH). */
  arduinoBuilder?: string;
  /** Largest global SRAM use accepted, bytes (default 1536: leaves 512 B of the 2 KB for the stack). */
  maxSramBytes?: number;
}

/**
 * Builds an Arduino Uno sketch with Debian's arduino-builder (gcc-avr, avr-libc, arduino-core-avr):
 * `-hardware /usr/share/arduino-builder` carries the ctags recipe, and `-DDECIMAL_DIG=__DECIMAL_DIG__`
 * lets Debian's core compile with gcc-avr 5.4. Fails with FIRMWARE_BUILD when the compiler fails, the
 * tool is missing, or the sketch exceeds the Uno's flash or the SRAM limit.
 */
export async function buildSketch(
  sketchPath: string,
  buildDir: string,
  options: BuildOptions = {},
): Promise<SketchBuild> {
  await mkdir(buildDir, { recursive: true });
  const exe = options.arduinoBuilder ?? 'arduino-builder';
  const args = [
    '-compile',
    '-hardware',
    '/usr/share/arduino-builder',
    '-hardware',
    '/usr/share/arduino/hardware',
    '-tools',
    '/usr/bin',
    '-fqbn',
    'arduino:avr:uno',
    '-build-path',
    buildDir,
    '-prefs=compiler.cpp.extra_flags=-DDECIMAL_DIG=__DECIMAL_DIG__',
    sketchPath,
  ];
  let stdout: string;
  try {
    ({ stdout } = await run(exe, args, { maxBuffer: 4 << 20 }));
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    const why =
      err.code === 'ENOENT' ? `${exe} not found (apt-get install arduino-builder)` : err.stderr || err.message;
    throw new BridgeError(ErrorCode.FIRMWARE_BUILD, `building ${sketchPath} failed: ${why.trim().slice(-2000)}`, {
      sketchPath,
    });
  }
  const flashBytes = Number(/Sketch uses (\d+) bytes/.exec(stdout)?.[1] ?? NaN);
  const sramBytes = Number(/Global variables use (\d+) bytes/.exec(stdout)?.[1] ?? NaN);
  const maxSram = options.maxSramBytes ?? 1536;
  if (!(flashBytes <= UNO_SKETCH_FLASH) || !(sramBytes <= maxSram)) {
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      `${sketchPath}: ${flashBytes} B flash (max ${UNO_SKETCH_FLASH}), ${sramBytes} B SRAM (max ${maxSram})`,
      { sketchPath, flashBytes, sramBytes },
    );
  }
  return { hexPath: join(buildDir, `${basename(sketchPath)}.hex`), flashBytes, sramBytes };
}
