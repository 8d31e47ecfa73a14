import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock } from '../../environment/clock.js';
import { validateCommand } from '../../home/status-codec.js';
import type { StatusString } from '../../home/types.js';
import { parseRecording, type Recording } from './format.js';
import { DelegatingLink } from '../delegating-link.js';
import type { LinkKind } from '../link.js';
import { SerialLink } from '../serial/serial-link.js';
import { createReplayBinding } from './replay-binding.js';
import { ReplayBoard } from './replay-board.js';

export interface ReplayLinkOptions {
  recording: Recording;
  /** Names the recording in errors and in the port path. */
  source: string;
  clock: Clock;
  logger?: Logger | undefined;
  commandTimeoutMs?: number | undefined;
}

/**
 * A recorded board as a device (`--link replay --file rec.jsonl`): the serial link, unchanged, talking
 * to the recording (ReplayBoard) through a serialport binding. A bug seen on hardware thus replays
 * through the same code, on a virtual clock if the test wants. A command the recording holds no answer
 * for is refused with REPLAY_MISMATCH naming what the recording does hold.
 */
export class ReplayLink extends DelegatingLink {
  readonly board: ReplayBoard;
  readonly source: string;

  constructor(o: ReplayLinkOptions) {
    const board = new ReplayBoard(o.recording, o.clock);
    const path = `replay:${o.source}`;
    super(
      new SerialLink({
        path,
        baudRate: o.recording.header.baudRate,
        binding: createReplayBinding(board, path),
        clock: o.clock,
        logger: o.logger,
        commandTimeoutMs: o.commandTimeoutMs,
      }),
    );
    this.board = board;
    this.source = o.source;
  }

  static async fromFile(file: string, o: Omit<ReplayLinkOptions, 'recording' | 'source'>): Promise<ReplayLink> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot read the recording ${file}: ${(e as Error).message}`, {
        file,
      });
    }
    return new ReplayLink({ ...o, recording: parseRecording(text, file), source: file });
  }

  override get kind(): LinkKind {
    return 'replay';
  }

  override async apply(command: StatusString): Promise<StatusString> {
    const cmd = validateCommand(command);
    if (!this.board.hasAnswer(cmd)) {
      const held = [...new Set(this.board.unplayedCommands())];
      throw new BridgeError(
        ErrorCode.REPLAY_MISMATCH,
        `the recording ${this.source} holds no answer to command ${cmd}` +
          (held.length > 0 ? ` (unplayed commands: ${held.join(', ')})` : ' (every recorded command has been played)'),
        { command: cmd, unplayed: held },
      );
    }
    return super.apply(cmd);
  }
}
