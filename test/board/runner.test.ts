import { beforeAll, describe, expect, it } from 'vitest';
import type { Board } from '../../src/board/board.js';
import { LineLog, buildProbe, probeBoard } from './probe.js';

let hex: string;
beforeAll(async () => {
  hex = await buildProbe();
  // Let V8 optimise the instruction decoder before anything is timed (about 100 ms of wall time).
  probeBoard(hex).runFor(1000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  /** Simulated ms per wall ms. */
  ratio: number;
  /** Share of one core this process got meanwhile (CPU time / wall time). */
  cpuShare: number;
}

async function measure(board: Board, speed: number, wallMs = 500): Promise<Sample> {
  board.start({ speed });
  await sleep(50); // settle
  const sim0 = board.cycles / 16_000;
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(wallMs);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const ratio = (board.cycles / 16_000 - sim0) / wall;
  board.stop();
  return { ratio, cpuShare: (cpu.user + cpu.system) / 1000 / wall };
}

// Wall-clock measurements: retried, and skipped with a note when other processes leave this one too
// little CPU for the figure to mean anything.
describe('Board runner', () => {
  // How fast it runs is a benchmark's business (bench/board-speed.ts), not a test's: here only that the
  // unpaced runner moves simulated time on by itself and reports its speed.
  it('runs unpaced without pacing and measures simulated MHz', async () => {
    const board = probeBoard(hex);
    const { ratio } = await measure(board, Infinity);
    expect(board.mhz).toBeGreaterThan(0);
    expect(ratio).toBeGreaterThan(0);
  });

  it('keeps real time at speed 1 within ±20 % over 0.5 s', { retry: 2 }, async ({ skip }) => {
    const capacity = (await measure(probeBoard(hex), Infinity, 200)).ratio;
    skip(capacity < 1.3, `host busy: unpaced only ${capacity.toFixed(2)}× real time`);
    const { ratio } = await measure(probeBoard(hex), 1);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
  });

  it('scales time at speed 0.5', { retry: 2 }, async ({ skip }) => {
    const capacity = (await measure(probeBoard(hex), Infinity, 200)).ratio;
    skip(capacity < 0.7, `host busy: unpaced only ${capacity.toFixed(2)}× real time`);
    const { ratio } = await measure(probeBoard(hex), 0.5);
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });

  it('stops for good and lets runUntil drive the board itself afterwards', async () => {
    const board = probeBoard(hex);
    const log = new LineLog(board);
    board.start();
    await board.runUntil(() => log.has('READY'), 50); // waits on the runner's batches
    board.stop();
    expect(board.running).toBe(false);
    const cycles = board.cycles;
    await sleep(30);
    expect(board.cycles).toBe(cycles);
    board.writeSerial('PING\n');
    await board.runUntil(() => log.has('PONG'), 20);
    expect(board.running).toBe(false);
  });

  it('rejects a speed that is not positive', () => {
    expect(() => probeBoard(hex).start({ speed: 0 })).toThrow(RangeError);
  });
});

describe('BoardRunner pacing', () => {
  it('sleeps between paced batches instead of chasing the wall clock in tiny steps', async () => {
    const { BoardRunner } = await import('../../src/board/runner.js');
    // A target whose steps cost nothing: only the runner's own scheduling is measured.
    const steps: number[] = [];
    const target = {
      cycles: 0,
      step(n: number) {
        steps.push(n);
        this.cycles += n;
      },
    };
    const runner = new BoardRunner(target, 16_000_000);
    runner.start({ speed: 1 });
    await sleep(300);
    runner.stop();
    // About one batch per millisecond (1 ms ahead, then a 1 ms sleep), not one per event-loop turn.
    expect(steps.length).toBeLessThan(400);
    expect(target.cycles / 16_000).toBeGreaterThan(150);
    expect(Math.min(...steps.slice(1))).toBeGreaterThan(8_000); // at least half a millisecond each
  });
});
