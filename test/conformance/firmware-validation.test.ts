import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { mergeCommand, validateCommand } from '../../src/home/status-codec.js';
import { Board } from '../../src/board/board.js';
import { loadFirmware } from '../../src/board/firmware-file.js';
import { boardErrorToBridgeError, decodeBoardLine } from '../../src/links/serial/line-codec.js';
import { frame } from '../../src/links/serial/line-frame.js';
import { INVALID_COMMANDS } from './commands.js';

/**
 * The serial link validates every command before it sends it, so the conformance scenarios never show
 * the sketch's own validation. Here SET lines go to the board raw: for any command token, the sketch
 * must refuse exactly what the TypeScript codec refuses, with the same code and position (or length),
 * and merge what it accepts exactly as the codec merges.
 */
let program: Uint16Array;
beforeAll(async () => {
  program = await loadFirmware();
});

class RawBoard {
  readonly board = new Board(program);
  readonly lines: string[] = [];
  #partial = '';
  #id = 0;
  constructor() {
    this.board.onSerial((bytes) => {
      const parts = (this.#partial + Buffer.from(bytes).toString('latin1')).split(/\r?\n/);
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
    });
  }
  async boot(): Promise<void> {
    await this.board.runUntil(() => this.lines.some((l) => l.startsWith('STATUS boot')), 100);
  }
  /** Sends `SET <id> <token>` and returns the board's answer (its ACK or ERR line, decoded). */
  async set(token: string) {
    const id = (++this.#id).toString(16).toUpperCase();
    const from = this.lines.length;
    this.board.writeSerial(frame(`SET ${id} ${token}`));
    const isAnswer = (l: string) => l.startsWith(`ACK ${id} `) || l.startsWith(`ERR ${id} `);
    await this.board.runUntil(() => this.lines.slice(from).some(isAnswer), 50);
    const answer = decodeBoardLine(this.lines.slice(from).find(isAnswer)!);
    if (answer.type !== 'ack' && answer.type !== 'error') throw new Error(`not an answer: ${JSON.stringify(answer)}`);
    return answer;
  }
}

/** What the codec says about a command: the merged status, or the error code and context. */
function codec(status: string, token: string): { status: string } | { code: string; context: Record<string, unknown> } {
  try {
    return { status: mergeCommand(status, validateCommand(token)) };
  } catch (e) {
    if (!isBridgeError(e)) throw e;
    const { position, length } = e.context as { position?: number; length?: number };
    return { code: e.code, context: position !== undefined ? { position } : { length } };
  }
}

describe("the sketch's own command validation and merge", () => {
  it('refuses the invalid commands with the codes and positions the codec gives', async () => {
    const uno = new RawBoard();
    await uno.boot();
    // Tokens only: a line field cannot be empty or hold a space.
    for (const { command, code, context } of INVALID_COMMANDS.filter(
      (c) => c.command !== '' && !c.command.includes(' '),
    )) {
      const answer = await uno.set(command);
      expect(answer.type, command).toBe('error');
      const err = boardErrorToBridgeError(answer as Extract<typeof answer, { type: 'error' }>);
      expect({ command, code: err.code, context: err.context }).toEqual({ command, code, context });
    }
  });

  it('agrees with the codec on any command token (property, 150 random tokens in sequence)', async () => {
    const uno = new RawBoard();
    await uno.boot();
    let status = '000000000';
    const char = fc.constantFrom(...'0123456789', ...'0123456789', 'a', 'Z', '-', '.', '~');
    const token = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: char, minLength: 9, maxLength: 9 }) },
      { weight: 1, arbitrary: fc.string({ unit: char, minLength: 1, maxLength: 20 }) },
    );
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const expected = codec(status, t);
        const answer = await uno.set(t);
        if ('status' in expected) {
          expect(answer).toMatchObject({ type: 'ack', status: expected.status });
          status = expected.status;
        } else {
          const err = boardErrorToBridgeError(answer as Extract<typeof answer, { type: 'error' }>);
          expect({ token: t, code: err.code, context: err.context }).toEqual({ token: t, ...expected });
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
