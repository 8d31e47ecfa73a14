import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadDevicesConfig } from '../config/load.js';
import type { Panel } from '../http/home-panel.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { httpOptions, readHttpBind, type HttpArgs } from './http-options.js';
import { SIGNAL_EXIT_CODE } from './common.js';

interface VirtualArduinoArgs extends HttpArgs {
  hex?: string;
  symlink?: string;
  /** The old spelling of --symlink: `--link` means a link kind in every other command. */
  link?: string;
  speed: number;
  seed?: number;
  devices?: string;
}

/**
 * `smarthome-bridge virtual-arduino`: our firmware on an emulated Uno, wired to a seeded room, on a
 * pseudo-terminal that any serial program opens like a USB Arduino. Runs until SIGINT or SIGTERM.
 */
export const virtualArduinoCommand: CommandModule<object, VirtualArduinoArgs> = {
  command: 'virtual-arduino',
  describe: 'Run the smarthome firmware on an emulated Uno and expose its serial port on a pseudo-terminal.',
  builder: (y) =>
    httpOptions(y, undefined)
      .option('hex', {
        type: 'string',
        describe: 'Firmware .hex to run (default: the committed build of firmware/smarthome).',
      })
      .option('symlink', {
        type: 'string',
        describe: 'Also make this symlink to the pseudo-terminal (a stable path, e.g. /tmp/ttyUNO).',
      })
      .option('link', { type: 'string', hidden: true, describe: 'Deprecated spelling of --symlink.' })
      .option('speed', { type: 'number', default: 1, describe: 'Pacing: 1 = real time, like a real Uno.' })
      .option('seed', { type: 'number', describe: 'Environment seed (default: devices.json environment.seed).' })
      .option('devices', {
        type: 'string',
        describe: 'devices.json to use (default: the one shipped with the package).',
      })
      .example(
        '$0 virtual-arduino --symlink /tmp/ttyUNO',
        'then, in another terminal: smarthome-bridge --link serial --port /tmp/ttyUNO',
      )
      .example(
        '$0 virtual-arduino --speed 10 --seed 7',
        'a faster board in another seeded room; the pty path is printed',
      )
      .example(
        '$0 virtual-arduino --http 127.0.0.1:8082',
        'with the board view (live pins, servo, LEDs, buttons) at http://127.0.0.1:8082/board',
      ) as unknown as Argv<VirtualArduinoArgs>,
  handler: async (a: ArgumentsCamelCase<VirtualArduinoArgs>) => {
    if (!(a.speed > 0) || !Number.isFinite(a.speed))
      throw new BridgeError(ErrorCode.CONFIG_INVALID, '--speed must be a positive number');
    if (a.link !== undefined) {
      if (a.symlink !== undefined)
        throw new BridgeError(ErrorCode.CONFIG_INVALID, 'give --symlink only (--link is its deprecated spelling)');
      process.stderr.write(
        'smarthome-bridge: virtual-arduino --link is deprecated (elsewhere --link names a link kind): use ' +
          `--symlink ${a.link}\n`,
      );
    }
    const symlink = a.symlink ?? a.link;
    const httpBind = readHttpBind(a);
    const config = a.devices ? await loadDevicesConfig(a.devices) : await loadDevicesConfig();
    // Signals are taken from the start, so one that arrives while the board boots still stops cleanly.
    let stopRequested: 'SIGINT' | 'SIGTERM' | undefined;
    let onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      stopRequested = signal;
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    const { startVirtualArduino } = await import('../links/firmware/virtual-arduino.js');
    const uno = await startVirtualArduino({ config, hex: a.hex, link: symlink, speed: a.speed, seed: a.seed });
    let panel: Panel | undefined;
    if (httpBind) {
      const { startBoardPanel } = await import('../http/board-panel.js');
      try {
        panel = await startBoardPanel({ board: uno.board, wiring: uno.wiring, config, bind: httpBind, speed: a.speed });
      } catch (e) {
        await uno.stop();
        throw e;
      }
    }
    const port = uno.pty.link ?? uno.pty.path;
    const out = (line: string): boolean => process.stdout.write(`${line}\n`);
    out(`virtual Arduino Uno running ${uno.hex}${a.speed === 1 ? ' in real time' : ` at ${a.speed}× real time`}`);
    out(`serial port: ${uno.pty.path}`);
    if (uno.pty.link) out(`symlink: ${uno.pty.link} -> ${uno.pty.path}`);
    if (panel) out(`board view: ${panel.url}`);
    out(`open it with: smarthome-bridge --link serial --port ${port}`);
    out('Ctrl-C to stop');

    let stopping = false;
    const stop = async (code: number, why?: string): Promise<void> => {
      if (stopping) return;
      stopping = true;
      if (why) process.stderr.write(`smarthome-bridge: ${why}\n`);
      await panel?.stop();
      await uno.stop();
      process.exit(code);
    };
    onSignal = (signal) => void stop(SIGNAL_EXIT_CODE[signal]);
    if (stopRequested) await stop(SIGNAL_EXIT_CODE[stopRequested]);
    const code = await uno.pty.exited;
    await stop(2, `socat exited (code ${code}); the pseudo-terminal ${uno.pty.path} is gone`);
  },
};
