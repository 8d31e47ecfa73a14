import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { BridgeError, ErrorCode } from '../core/errors.js';

/** The package root (beside src/ in a checkout, beside dist/ when installed). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIRMWARE_HEX = join(ROOT, 'firmware', 'build', 'smarthome.hex');
const BUILD_SCRIPT = join(ROOT, 'scripts', 'firmware', 'build.sh');
const INSTALL_SCRIPT = 'scripts/firmware/install-toolchain.sh';
const TOOLCHAIN = ['arduino-builder', 'avr-gcc'];

function onPath(program: string): boolean {
  return (process.env['PATH'] ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

export function firmwarePath(): string {
  if (!existsSync(FIRMWARE_HEX)) {
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      `no firmware at ${FIRMWARE_HEX}; build it with: smarthome-bridge firmware build`,
    );
  }
  return FIRMWARE_HEX;
}

/** Runs scripts/firmware/build.sh with its output passed through; resolves with its exit code. */
export async function buildFirmware(check: boolean): Promise<number> {
  if (!existsSync(BUILD_SCRIPT)) {
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      `the firmware build needs a source checkout (${BUILD_SCRIPT} is missing); the committed hex is at ` +
        `${FIRMWARE_HEX}`,
    );
  }
  const missing = TOOLCHAIN.filter((p) => !onPath(p));
  if (missing.length > 0) {
    throw new BridgeError(
      ErrorCode.FIRMWARE_BUILD,
      `the firmware toolchain is missing (${missing.join(', ')} not found); install it with: bash ` +
        `${INSTALL_SCRIPT} (Debian: gcc-avr avr-libc arduino-core-avr arduino-builder)`,
    );
  }
  const child = spawn('bash', [BUILD_SCRIPT, ...(check ? ['--check'] : [])], { cwd: ROOT, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', (e) =>
      reject(new BridgeError(ErrorCode.FIRMWARE_BUILD, `cannot run ${BUILD_SCRIPT}: ${e.message}`)),
    );
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

interface BuildArgs {
  check: boolean;
}

interface FlashArgs {
  port?: string;
  firmata: boolean;
  hex?: string;
}

const pathSubcommand: CommandModule<object, object> = {
  command: 'path',
  describe: 'Print the absolute path of the committed Uno firmware (.hex).',
  builder: (y) =>
    y
      .example('$0 firmware path', 'e.g. /…/smarthome-bridge/firmware/build/smarthome.hex')
      .example(
        '$0 firmware flash --port /dev/ttyACM0',
        'flash it to a real Uno (runs avrdude, then checks the board answers)',
      ),
  handler: () => {
    process.stdout.write(`${firmwarePath()}\n`);
  },
};

const buildSubcommand: CommandModule<object, BuildArgs> = {
  command: 'build',
  describe: 'Rebuild the Uno firmware from firmware/smarthome (needs the AVR toolchain and a source checkout).',
  builder: (y) =>
    y
      .option('check', {
        type: 'boolean',
        default: false,
        describe: 'Only check that the committed .hex matches a fresh build (exit 1 if not).',
      })
      .example('$0 firmware build', 'rebuild firmware/build/smarthome.hex')
      .example(
        '$0 firmware build --check',
        'what CI runs: is the committed .hex up to date?',
      ) as unknown as Argv<BuildArgs>,
  handler: async (a) => {
    process.exitCode = await buildFirmware(a.check);
  },
};

const flashSubcommand: CommandModule<object, FlashArgs> = {
  command: 'flash',
  describe: 'Write our sketch (or StandardFirmata) to a USB Uno with avrdude, then check that the board answers.',
  builder: (y) =>
    y
      .option('port', { type: 'string', describe: "The Uno's serial port, e.g. /dev/ttyACM0 (see `ports`)." })
      .option('firmata', {
        type: 'boolean',
        default: false,
        describe: 'Write StandardFirmata (fetched once into .cache/firmata/) instead of our sketch.',
      })
      .option('hex', { type: 'string', describe: 'Write this .hex instead of the committed build of our sketch.' })
      .example('$0 firmware flash --port /dev/ttyACM0', 'flash our sketch to a USB Uno and check that it answers')
      .example(
        '$0 firmware flash --port /dev/ttyACM0 --firmata',
        'flash StandardFirmata (for --link firmata)',
      ) as unknown as Argv<FlashArgs>,
  handler: async (a) => {
    if (!a.port)
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        'firmware flash needs --port, e.g. --port /dev/ttyACM0 (`smarthome-bridge ports` lists them)',
      );
    const { flash } = await import('./flash.js');
    const result = await flash({ port: a.port, firmata: a.firmata, hex: a.hex ?? firmwarePath() });
    (result.code === 0 ? process.stdout : process.stderr).write(`${result.line}\n`);
    process.exitCode = result.code;
  },
};

export const firmwareCommand: CommandModule = {
  command: 'firmware <command>',
  describe:
    'The bundled Uno firmware: `path` prints the committed .hex, `build` rebuilds it from firmware/smarthome, ' +
    '`flash` writes it (or StandardFirmata) to an Uno.',
  builder: (y) =>
    y
      .command(pathSubcommand)
      .command(buildSubcommand)
      .command(flashSubcommand)
      .demandCommand(1)
      .example('$0 firmware path', 'print the .hex path')
      .example('$0 firmware build --check', 'compare the committed .hex with a fresh build')
      .example('$0 firmware flash --port /dev/ttyACM0', 'flash a USB Uno and check that it answers'),
  handler: () => undefined,
};
