import { createInterface } from 'node:readline';
import type { Argv, CommandModule } from 'yargs';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { DURATION_HELP, parseDuration, SIGNAL_EXIT_CODE } from './common.js';
import { frame } from '../links/serial/line-frame.js';
import { SERIAL_BAUD_RATE } from '../links/serial/line-types.js';
import { startRecorder } from '../recording/recorder.js';

interface RecordArgs {
  port: string;
  baud: number;
  out: string;
  pty?: string;
  duration?: string;
  quiet: boolean;
}

/**
 * Records a board's serial traffic (both directions, timestamped) to a JSON-lines file that
 * `--link replay --file` plays back. With --pty the board is passed through to a bridge on a
 * pseudo-terminal; without, lines typed on stdin are sent to the board (checksums added).
 */
export const recordCommand: CommandModule<object, RecordArgs> = {
  command: 'record',
  describe: "Record a board's serial traffic to a file for --link replay (docs/testing.md).",
  builder: (y) =>
    y
      .option('port', { type: 'string', demandOption: true, describe: 'The board: /dev/ttyACM0, a pty, …' })
      .option('baud', { type: 'number', default: SERIAL_BAUD_RATE, describe: 'Baud rate.' })
      .option('out', { type: 'string', demandOption: true, describe: 'The recording to write (JSON lines).' })
      .option('pty', {
        type: 'string',
        describe:
          'Pass the board through on a pseudo-terminal at this path (run the bridge with --link serial --port ' +
          'PATH). Needs socat.',
      })
      .option('duration', {
        type: 'string',
        describe: `Stop after this long (${DURATION_HELP}); default: until Ctrl-C.`,
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'Do not echo the traffic.' })
      .example(
        '$0 record --port /dev/ttyACM0 --out bug.jsonl --pty /tmp/ttyUNO',
        'then: smarthome-bridge run --link serial --port /tmp/ttyUNO',
      )
      .example(
        '$0 record --port /dev/ttyACM0 --out session.jsonl',
        'type GET 1, SET 2 016155010, … on stdin',
      ) as unknown as Argv<RecordArgs>,
  handler: async (a) => {
    const durationMs = a.duration !== undefined ? parseDuration(a.duration, '--duration') : undefined;
    const echo = (from: string, bytes: Buffer): void => {
      if (a.quiet) return;
      const arrow = from === 'board' ? '←' : '→';
      for (const text of bytes.toString('latin1').split('\n')) {
        if (text !== '') process.stdout.write(`${arrow} ${JSON.stringify(text).slice(1, -1)}\n`);
      }
    };
    const recorder = await startRecorder({
      port: a.port,
      baudRate: a.baud,
      out: a.out,
      pty: a.pty ? { link: a.pty } : undefined,
      onTraffic: echo,
    });
    process.stderr.write(
      `recording ${a.port} at ${a.baud} baud to ${a.out}` +
        (a.pty
          ? `; bridge it with: smarthome-bridge run --link serial --port ${recorder.tap.hostPath}`
          : '; lines typed here go to the board') +
        `${durationMs !== undefined ? `; stopping after ${a.duration}` : '; Ctrl-C to stop'}\n`,
    );
    let input: ReturnType<typeof createInterface> | undefined;
    if (!a.pty) {
      input = createInterface({ input: process.stdin });
      input.on('line', (line) => {
        const text = line.trim();
        if (text === '') return;
        try {
          void recorder.tap.sendToBoard(/\*[0-9A-F]{2}$/.test(text) ? `${text}\n` : frame(text)).catch(() => undefined);
        } catch (e) {
          process.stderr.write(`not sent: ${(e as Error).message}\n`);
        }
      });
    }
    const exitCode = await new Promise<number>((resolve) => {
      const timer = durationMs !== undefined ? setTimeout(() => resolve(0), durationMs) : undefined;
      const stop = (signal: 'SIGINT' | 'SIGTERM'): void => {
        clearTimeout(timer);
        resolve(SIGNAL_EXIT_CODE[signal]);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    input?.close();
    await recorder.stop();
    process.stderr.write(`recorded ${recorder.entries} entries to ${a.out}\n`);
    if (recorder.entries === 0)
      throw new BridgeError(
        ErrorCode.PORT_UNAVAILABLE,
        `nothing came from ${a.port}: is the baud rate right (--baud)?`,
      );
    process.exit(exitCode);
  },
};
