import { beforeAll, describe, expect, it } from 'vitest';
import { Board, CYCLES_PER_MS } from '../../src/board/board.js';
import { DEFAULT_FIRMWARE_HEX, loadFirmware } from '../../src/board/firmware-file.js';
import { decodeBoardLine, encodeHostLine } from '../../src/links/serial/line-codec.js';

let program: Uint16Array;
beforeAll(async () => {
  program = await loadFirmware(DEFAULT_FIRMWARE_HEX);
});

/** The board's serial output as decoded lines. */
function lines(board: Board): { all: ReturnType<typeof decodeBoardLine>[] } {
  const out = { all: [] as ReturnType<typeof decodeBoardLine>[] };
  let text = '';
  board.onSerial((bytes) => {
    for (const b of bytes) {
      if (b !== 10) text += String.fromCharCode(b);
      else {
        out.all.push(decodeBoardLine(text));
        text = '';
      }
    }
  });
  return out;
}

describe('our sketch sending a burst of lines', () => {
  it('sleeps while the UART sends the CFG answer (about 300 bytes) instead of spinning, and sends all of it', () => {
    const board = new Board(program);
    const seen = lines(board);
    board.runFor(10);
    expect(seen.all.map((l) => l.type)).toEqual(['boot', 'status']);
    board.writeSerial(encodeHostLine({ type: 'build', id: 7 }));
    const cycles0 = board.cycles;
    const slept0 = board.sleptCycles;
    board.runFor(40);
    const answer = seen.all.slice(2);
    // Every CFG line, then the ACK, each with a good checksum (a rejected line has type 'rejected').
    expect(answer.map((l) => l.type)).toEqual([...Array<string>(7).fill('build'), 'ack']);
    expect(answer.at(-1)).toMatchObject({ type: 'ack', id: 7 });
    // 300 bytes at 115200 baud take ~26 ms; the CPU is awake only for the interrupts that refill the UART
    // and Timer0's. A sketch spinning in Serial.write is awake while it waits (0.4 of these 40 ms).
    const awake = 1 - (board.sleptCycles - slept0) / (board.cycles - cycles0);
    expect(awake).toBeLessThan(0.2);
    expect(board.cycles - cycles0).toBeGreaterThanOrEqual(40 * CYCLES_PER_MS);
  });
});
