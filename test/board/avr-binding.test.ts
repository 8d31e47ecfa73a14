import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPortStream } from '@serialport/stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../src/core/errors.js';
import { createAvrBinding, type AvrBinding } from '../../src/board/avr-binding.js';
import { receiveAtBaud } from '../../src/board/baud-mismatch.js';
import type { Board } from '../../src/board/board.js';
import { buildProbe, probeBoard } from './probe.js';

let hex: string;
beforeAll(async () => {
  hex = await buildProbe();
});

const open: SerialPortStream[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => (p.isOpen ? new Promise((r) => p.close(r)) : undefined)));
});

interface Opened {
  port: SerialPortStream;
  lines: string[];
  board: Board;
  /** Waits (in simulated time) for the n-th line overall. */
  line(index: number, simMs?: number): Promise<string>;
  send(text: string): Promise<void>;
}

async function openPort(binding: AvrBinding, path: string, baudRate = 115200): Promise<Opened> {
  const port = new SerialPortStream({ binding, path, baudRate, autoOpen: false });
  open.push(port);
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const lines: string[] = [];
  port.pipe(new ReadlineParser({ delimiter: '\r\n', encoding: 'latin1' })).on('data', (l: string) => lines.push(l));
  const board = binding.boards.get(path)!;
  return {
    port,
    lines,
    board,
    async line(index, simMs = 100) {
      await board.runUntil(() => lines.length > index, simMs);
      return lines[index]!;
    },
    send: (text) => new Promise((resolve, reject) => port.write(text, (err) => (err ? reject(err) : resolve()))),
  };
}

describe('AVR serialport binding', () => {
  it('boots the firmware on open and round-trips lines through SerialPortStream', async () => {
    const binding = createAvrBinding();
    const path = `avr:${hex}`;
    const uno = await openPort(binding, path);
    expect(await uno.line(0)).toBe('READY');
    expect(uno.port.baudRate).toBe(115200);
    await uno.send('PING\n');
    expect(await uno.line(1)).toBe('PONG');
    // A burst of 40 commands in one write: paced into the UART, none dropped.
    const burst = Array.from({ length: 40 }, (_, i) => `E line ${i}`);
    await uno.send(`${burst.join('\n')}\n`);
    expect(await uno.line(41, 500)).toBe('E line 39');
    expect(uno.lines.slice(2)).toEqual(burst);
    expect(uno.board.feeder.refused).toBe(0);
  });

  it('reboots the board when DTR is asserted again, like the Uno auto-reset', async () => {
    const binding = createAvrBinding();
    const uno = await openPort(binding, `avr:${hex}`);
    await uno.line(0);
    expect(uno.board.boots).toBe(2); // constructed + the reset of opening
    await new Promise((r) => uno.port.set({ dtr: false }, r));
    expect(uno.board.boots).toBe(2);
    await new Promise((r) => uno.port.set({ dtr: true }, r));
    expect(uno.board.boots).toBe(3);
    expect(uno.board.time()).toBeLessThan(5);
    expect(await uno.line(1)).toBe('READY');
  });

  it('uses boards registered in its own registry and lists them', async () => {
    const board = probeBoard(hex);
    board.runFor(50);
    const boards = new Map([['uno-1', board]]);
    const binding = createAvrBinding({ boards });
    expect((await binding.list()).map((p) => p.path)).toEqual(['uno-1']);
    const uno = await openPort(binding, 'uno-1');
    expect(uno.board).toBe(board);
    expect(await uno.line(0)).toBe('READY');
    expect(board.boots).toBe(2); // opening rebooted it
    board.setAnalog(0, 1.25);
    await uno.send('AR 0\n');
    expect(await uno.line(1)).toBe('AR 0 256');
    // Another binding has another registry: no board there.
    expect(createAvrBinding().boards.size).toBe(0);
  });

  it('locks an open path, stops the board on close and reopens', async () => {
    const binding = createAvrBinding();
    const path = `avr:${hex}`;
    const first = await openPort(binding, path);
    await first.line(0);
    const err = await binding.open({ path, baudRate: 115200 }).catch((e: unknown) => e);
    expect((err as BridgeError).code).toBe(ErrorCode.PORT_UNAVAILABLE);
    await new Promise((r) => first.port.close(r));
    expect(first.board.running).toBe(false);
    const cycles = first.board.cycles;
    await new Promise((r) => setTimeout(r, 20));
    expect(first.board.cycles).toBe(cycles);
    const again = await openPort(binding, path);
    expect(await again.line(0)).toBe('READY');
  });

  it('cancels a pending read on close with a canceled error', async () => {
    const binding = createAvrBinding({ boards: new Map([['quiet', probeBoard(hex)]]) });
    const port = await binding.open({ path: 'quiet', baudRate: 115200 });
    const buf = Buffer.alloc(1024);
    await port.read(buf, 0, 1024); // READY
    const pending = port.read(buf, 0, 1024).catch((e: unknown) => e);
    await port.close();
    expect((await pending) as { canceled?: boolean }).toMatchObject({ canceled: true });
  });

  it('garbles a baud-rate mismatch like real hardware and recovers after update()', async () => {
    const binding = createAvrBinding();
    const uno = await openPort(binding, `avr:${hex}`, 57600);
    const raw: number[] = [];
    uno.port.on('data', (d: Buffer) => raw.push(...d));
    await uno.board.runUntil(() => uno.board.time() > 10, 20);
    await uno.send('PING\n');
    uno.board.runFor(10);
    await new Promise((r) => setTimeout(r, 10));
    expect(uno.lines).not.toContain('READY');
    expect(uno.lines).not.toContain('PONG');
    await new Promise((r) => uno.port.update({ baudRate: 115200 }, r));
    const before = uno.lines.length;
    await uno.send('\nPING\n'); // the newline ends whatever garbage the firmware received
    await uno.board.runUntil(() => uno.lines.includes('PONG'), 100);
    expect(uno.lines.length).toBeGreaterThan(before);
  });

  it('rejects paths that are not emulated boards', async () => {
    const binding = createAvrBinding();
    const err = await binding.open({ path: 'avr:relative/fw.hex', baudRate: 115200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.PORT_UNAVAILABLE);
    const missing = await binding.open({ path: '/dev/ttyACM0', baudRate: 115200 }).catch((e: unknown) => e);
    expect((missing as BridgeError).code).toBe(ErrorCode.PORT_UNAVAILABLE);
  });
});

describe('receiveAtBaud', () => {
  const text = Buffer.from('READY\r\nPONG 0123456789 ~\x00\xff\r\n', 'latin1');

  it('decodes rates within the UART tolerance unchanged', () => {
    expect(Buffer.from(receiveAtBaud(text, 117647, 115200)).equals(text)).toBe(true); // Uno's real 115200
    expect(Buffer.from(receiveAtBaud(text, 115200, 111000)).equals(text)).toBe(true);
    expect(Buffer.from(receiveAtBaud(text, 115200, 119500)).equals(text)).toBe(true);
  });

  it('turns a 2× mismatch into different bytes in either direction', () => {
    const slowRx = Buffer.from(receiveAtBaud(text, 115200, 57600));
    const fastRx = Buffer.from(receiveAtBaud(text, 57600, 115200));
    expect(slowRx.equals(text)).toBe(false);
    expect(fastRx.equals(text)).toBe(false);
    expect(fastRx.length).toBeGreaterThan(text.length); // a slow sender's frame reads as two
    expect(slowRx.toString('latin1')).not.toContain('READY');
  });
});
