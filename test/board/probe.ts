import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSketch } from '../../src/links/firmware/arduino-build.js';
import { Board } from '../../src/board/board.js';
import { parseIntelHex } from '../../src/board/intel-hex.js';

export const PROBE_SKETCH = fileURLToPath(new URL('../fixtures/board-probe/board-probe.ino', import.meta.url));

/**
 * Builds the board-probe sketch with arduino-builder into a temp dir named after the source's hash, so
 * test files running in parallel share one build; returns the .hex path.
 */
export async function buildProbe(): Promise<string> {
  const hash = createHash('sha256').update(readFileSync(PROBE_SKETCH)).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `smarthome-bridge-board-probe-${hash}`);
  const hexPath = join(dir, 'board-probe.ino.hex');
  if (existsSync(hexPath)) return hexPath;
  const work = await mkdtemp(join(tmpdir(), 'smarthome-bridge-board-probe-build-'));
  try {
    await buildSketch(PROBE_SKETCH, work);
    await rename(work, dir).catch(() => undefined); // another worker may have won the race
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return hexPath;
}

export function probeBoard(hexPath: string): Board {
  return new Board(parseIntelHex(readFileSync(hexPath, 'utf8')));
}

/** Collects the lines a board transmits ("\r\n"-terminated, as Serial.println sends them). */
export class LineLog {
  lines: string[] = [];
  #partial = '';
  constructor(board: Pick<Board, 'onSerial'>) {
    board.onSerial((bytes) => {
      const parts = (this.#partial + Buffer.from(bytes).toString('latin1')).split('\r\n');
      this.#partial = parts.pop()!;
      this.lines.push(...parts);
    });
  }
  has(line: string): boolean {
    return this.lines.includes(line);
  }
  last(): string | undefined {
    return this.lines[this.lines.length - 1];
  }
}

/** Sends one command line and runs the board until it answers; returns the reply. */
export async function ask(board: Board, log: LineLog, command: string, simMs = 200): Promise<string> {
  const before = log.lines.length;
  board.writeSerial(`${command}\n`);
  await board.runUntil(() => log.lines.length > before, simMs);
  return log.lines[before]!;
}
