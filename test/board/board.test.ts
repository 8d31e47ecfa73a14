import { beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../src/core/errors.js';
import { CYCLES_PER_MS, PinState } from '../../src/board/board.js';
import { LineLog, ask, buildProbe, probeBoard } from './probe.js';

let hex: string;
beforeAll(async () => {
  hex = await buildProbe();
});

async function booted() {
  const board = probeBoard(hex);
  const log = new LineLog(board);
  await board.runUntil(() => log.has('READY'), 50);
  return { board, log };
}

describe('Board', () => {
  it('boots the probe firmware and answers over USART0', async () => {
    const { board, log } = await booted();
    expect(board.time()).toBeLessThan(5);
    expect(await ask(board, log, 'PING')).toBe('PONG');
    expect(await ask(board, log, 'E hello world')).toBe('E hello world');
  });

  it('reads back the volts set per ADC channel', async () => {
    const { board, log } = await booted();
    const cases: [number, number, number][] = [
      [0, 2.5, 512],
      [1, 1.0, 204],
      [3, 4.99, 1021],
      [5, 0, 0],
      [2, 7, 1023], // clamped to AVCC
    ];
    for (const [ch, volts] of cases) board.setAnalog(ch, volts);
    for (const [ch, , reading] of cases) expect(await ask(board, log, `AR ${ch}`)).toBe(`AR ${ch} ${reading}`);
    expect(() => board.setAnalog(8, 1)).toThrow(RangeError);
  });

  it('keeps simulated time equal to millis()', async () => {
    const { board, log } = await booted();
    board.runFor(600);
    const reply = await ask(board, log, 'MS');
    const millis = Number(reply.split(' ')[1]);
    expect(Math.abs(board.time() - millis)).toBeLessThan(3);
  });

  it('drives inputs from outside and reads outputs and pull-ups as levels', async () => {
    const { board, log } = await booted();
    expect(await ask(board, log, 'DR 7')).toBe('DR 7 1'); // INPUT_PULLUP, nothing attached
    expect(board.pinState(7)).toBe(PinState.InputPullUp);
    board.setPin(7, false); // button to GND pressed
    expect(await ask(board, log, 'DR 7')).toBe('DR 7 0');
    board.releasePin(7);
    expect(await ask(board, log, 'DR 7')).toBe('DR 7 1');

    const changes: [number, boolean, number][] = [];
    board.onPinChange((pin, high, cycles) => changes.push([pin, high, cycles]));
    await ask(board, log, 'DW 13 1');
    expect(board.pinState(13)).toBe(PinState.High);
    expect(board.pinLevel(13)).toBe(true);
    await ask(board, log, 'DW 8 1');
    await ask(board, log, 'DW 8 0');
    const d8 = changes.filter(([pin]) => pin === 8);
    expect(d8.map(([, high]) => high)).toEqual([true, false]);
    expect(d8[1]![2]).toBeGreaterThan(d8[0]![2]);
    expect(() => board.setPin(20, true)).toThrow(RangeError);
  });

  it('paces serial input at 1360 cycles per character (115200 baud, U2X) without dropping bytes', async () => {
    const { board, log } = await booted();
    const text = `E ${'x'.repeat(60)}`;
    const start = board.feeder.delivered;
    expect(board.writeSerial(`${text}\n`)).toBe(text.length + 1);
    // Character k goes on the wire at k × 1360 cycles (plus a few cycles of instruction granularity).
    board.step(1360 * 30 - 100);
    expect(board.feeder.delivered - start).toBe(30);
    board.step(300);
    expect(board.feeder.delivered - start).toBe(31);
    await board.runUntil(() => log.has(text), 50);
    expect(board.feeder.refused).toBe(0);
  });

  it('loses no received byte while the firmware transmits (avr8js clears RXC on UCSR0A/B writes)', async () => {
    const { board, log } = await booted();
    const burst = Array.from({ length: 40 }, (_, i) => `E line ${i}`);
    board.writeSerial(`${burst.join('\n')}\n`);
    await board.runUntil(() => log.lines.length >= 41, 100);
    expect(log.lines.slice(1)).toEqual(burst);
  });

  it('bounds the host-side serial queue and counts refused bytes', async () => {
    const { board } = await booted();
    const capacity = board.feeder.capacity;
    const accepted = board.writeSerial(new Uint8Array(capacity + 100).fill(0x41));
    expect(accepted).toBe(capacity);
    expect(board.feeder.refused).toBe(100);
  });

  it('waits for the firmware to enable its receiver before delivering bytes', async () => {
    const board = probeBoard(hex);
    const log = new LineLog(board);
    board.writeSerial('PING\n'); // before Serial.begin
    await board.runUntil(() => log.has('PONG'), 50);
    expect(log.lines).toEqual(['READY', 'PONG']);
  });

  it('fires clock events at their cycle, lets them be cleared and keeps them across resets', async () => {
    const { board } = await booted();
    const fired: number[] = [];
    const t0 = board.cycles;
    board.addClockEvent(() => fired.push(board.cycles - t0), 1000);
    const cleared = board.addClockEvent(() => fired.push(-1), 1500);
    board.clearClockEvent(cleared);
    board.addClockEvent(() => fired.push(board.cycles - t0), 3000);
    board.step(2000);
    board.reset();
    board.step(2000);
    expect(fired.length).toBe(2);
    expect(fired[0]).toBeGreaterThanOrEqual(1000);
    expect(fired[0]).toBeLessThan(1000 + 5); // an instruction takes at most 4–5 cycles
    expect(fired[1]).toBeGreaterThanOrEqual(3000);
    expect(fired[1]).toBeLessThan(3000 + 5);

    const at: number[] = [];
    board.at(5, () => at.push(board.time()));
    board.runFor(6);
    expect(at[0]).toBeCloseTo(5, 2);
  });

  it('reset() reboots the firmware and restarts millis() while cycles keep counting', async () => {
    const { board, log } = await booted();
    board.runFor(100);
    await ask(board, log, 'DW 13 1');
    const cycles = board.cycles;
    board.reset();
    expect(board.boots).toBe(2);
    expect(board.time()).toBe(0);
    expect(board.cycles).toBe(cycles);
    expect(board.pinLevel(13)).toBe(false); // all pins are inputs again
    log.lines = [];
    await board.runUntil(() => log.has('READY'), 50);
    expect(board.cycles - cycles).toBeGreaterThan(board.time() * CYCLES_PER_MS - 100);
  });

  it('runUntil rejects with TIMEOUT after the simulated limit', async () => {
    const { board } = await booted();
    const t = board.time();
    const err = await board.runUntil(() => false, 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.TIMEOUT);
    expect(board.time() - t).toBeGreaterThanOrEqual(20);
    expect(board.time() - t).toBeLessThan(22);
  });
});
