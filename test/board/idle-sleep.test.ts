import { beforeAll, describe, expect, it } from 'vitest';
import { Board, CYCLES_PER_MS } from '../../src/board/board.js';
import { ticksToNextPoint } from '../../src/board/idle-sleep.js';
import { LineLog, ask, buildProbe, probeBoard } from './probe.js';

let hex: string;
beforeAll(async () => {
  hex = await buildProbe();
});

/** Everything observable from outside: pin edges with their cycle, and the serial output. */
function record(board: Board): { edges: string[]; serial: number[] } {
  const edges: string[] = [];
  const serial: number[] = [];
  board.onPinChange((pin, high, cycles) => edges.push(`${pin}${high ? '+' : '-'}@${cycles}`));
  board.onSerial((bytes) => serial.push(...bytes));
  return { edges, serial };
}

describe('SLEEP on the emulated board', () => {
  it('sleeps between interrupts, keeps millis() with board time, and wakes for a received byte', async () => {
    const board = probeBoard(hex);
    const log = new LineLog(board);
    await board.runUntil(() => log.has('READY'), 50);
    expect(await ask(board, log, 'SLEEP 1')).toBe('OK');
    const slept0 = board.sleptCycles;
    const cycles0 = board.cycles;
    board.runFor(200);
    expect(board.asleep).toBe(true);
    // Awake only for the Timer0 interrupt (millis) and the loop around SLEEP.
    expect((board.sleptCycles - slept0) / (board.cycles - cycles0)).toBeGreaterThan(0.8);
    expect(await ask(board, log, 'PING')).toBe('PONG');
    const millis = Number((await ask(board, log, 'MS')).split(' ')[1]);
    expect(Math.abs(board.time() - millis)).toBeLessThan(3);
  });

  it('gives the same pin edges, cycle for cycle, and the same serial bytes with and without fast-forward', () => {
    const run = (fastForwardSleep: boolean) => {
      const b = new Board(probeBoard(hex).program, { fastForwardSleep });
      const seen = record(b);
      b.runFor(5);
      // PWM on all three timers (Timer0 fast PWM D5/D6, Timer2 phase-correct D3/D11), the servo on
      // Timer1, then sleep; the command lines arrive while the board sleeps.
      b.writeSerial('PWM 3 100\nPWM 5 30\nPWM 6 200\nPWM 11 77\nSERVO 45\nSLEEP 1\n');
      b.runFor(60);
      b.writeSerial('PWM 6 0\nSERVO 120\nMS\n');
      b.runFor(60);
      return { ...seen, slept: b.sleptCycles, cycles: b.cycles };
    };
    const stepped = run(false);
    const jumped = run(true);
    expect(jumped.serial).toEqual(stepped.serial);
    expect(jumped.edges.length).toBeGreaterThan(200);
    expect(jumped.edges).toEqual(stepped.edges);
    expect(jumped.slept).toBe(stepped.slept);
    expect(Buffer.from(jumped.serial).toString('latin1')).toContain('MS ');
  });

  it('answers commands sent while asleep as quickly as when awake', async () => {
    const board = probeBoard(hex);
    const log = new LineLog(board);
    await board.runUntil(() => log.has('READY'), 50);
    await ask(board, log, 'SLEEP 1');
    board.runFor(10);
    const t0 = board.cycles;
    await ask(board, log, 'PING');
    // "PING\n" and "PONG\r\n" at 1360 cycles per character, plus at most one Timer0 period.
    expect((board.cycles - t0) / CYCLES_PER_MS).toBeLessThan(3);
  });
});

describe('ticksToNextPoint', () => {
  const timer = (over: Partial<Parameters<typeof ticksToNextPoint>[0]>) => ({
    tcnt: 0,
    countingUp: true,
    timerMode: 3, // fast PWM
    ocrA: 100,
    ocrB: 200,
    ocrC: 0,
    hasOCRC: false,
    TOP: 255,
    ...over,
  });
  it('counts up to the next compare value, TOP, or the wrap to BOTTOM', () => {
    expect(ticksToNextPoint(timer({ tcnt: 10 }))).toBe(90);
    expect(ticksToNextPoint(timer({ tcnt: 100 }))).toBe(100);
    expect(ticksToNextPoint(timer({ tcnt: 200 }))).toBe(55);
    expect(ticksToNextPoint(timer({ tcnt: 255 }))).toBe(1);
    expect(ticksToNextPoint(timer({ tcnt: 5, ocrA: 999, ocrB: 999 }))).toBe(250);
  });
  it('follows a phase-correct counter up to TOP and back down', () => {
    const pc = { timerMode: 1 };
    expect(ticksToNextPoint(timer({ ...pc, tcnt: 150, countingUp: true }))).toBe(50);
    expect(ticksToNextPoint(timer({ ...pc, tcnt: 220, countingUp: true }))).toBe(35);
    expect(ticksToNextPoint(timer({ ...pc, tcnt: 255, countingUp: false }))).toBe(55);
    expect(ticksToNextPoint(timer({ ...pc, tcnt: 150, countingUp: false }))).toBe(50);
    expect(ticksToNextPoint(timer({ ...pc, tcnt: 50, countingUp: false }))).toBe(50);
  });
  it('never returns less than one tick', () => {
    expect(ticksToNextPoint(timer({ TOP: 0 }))).toBe(1);
    expect(ticksToNextPoint(timer({ tcnt: 300 }))).toBe(1);
  });
});

describe('SLEEP and resets', () => {
  it(
    'a clock event that resets the board while it sleeps ends the step at ' + 'once (the port reopening, DTR)',
    async () => {
      const board = probeBoard(hex);
      const log = new LineLog(board);
      await board.runUntil(() => log.has('READY'), 50);
      await ask(board, log, 'SLEEP 1');
      board.runFor(50);
      expect(board.asleep).toBe(true);
      board.addClockEvent(() => board.reset(), 16_000);
      const wall0 = performance.now();
      board.runFor(20);
      expect(performance.now() - wall0).toBeLessThan(5000);
      expect(board.boots).toBe(2);
      await board.runUntil(() => log.lines.filter((l) => l === 'READY').length === 2, 50);
    },
  );
});
