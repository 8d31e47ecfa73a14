import { mkdtempSync, readlinkSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadlineParser } from '@serialport/parser-readline';
import { SerialPort } from 'serialport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeError, ErrorCode } from '../../../src/core/errors.js';
import { startPtyBridge } from '../../../src/links/firmware/pty-bridge.js';
import { buildProbe, probeBoard } from '../../board/probe.js';

let hex: string;
let dir: string;
beforeAll(async () => {
  hex = await buildProbe();
  dir = mkdtempSync(join(tmpdir(), 'pty-bridge-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pty bridge', () => {
  it('exposes the board UART on a pseudo-terminal that serialport can open', async () => {
    const board = probeBoard(hex);
    const link = join(dir, 'ttyUNO');
    const bridge = await startPtyBridge({ board, link });
    const port = new SerialPort({ path: link, baudRate: 115200, autoOpen: false });
    try {
      expect(bridge.path).toMatch(/^\/dev\/pts\/\d+$/);
      expect(readlinkSync(link)).toBe(bridge.path);
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      const lines: string[] = [];
      port.pipe(new ReadlineParser({ delimiter: '\r\n' })).on('data', (l: string) => lines.push(l));
      board.start({ speed: 1 });
      const wait = async (line: string) => {
        const deadline = Date.now() + 5000;
        while (!lines.includes(line) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        expect(lines).toContain(line);
      };
      await wait('READY');
      port.write('PING\n');
      await wait('PONG');
      port.write('E over the pty\n');
      await wait('E over the pty');
    } finally {
      board.stop();
      if (port.isOpen) await new Promise((r) => port.close(r));
      await bridge.stop();
    }
    expect(await bridge.exited).not.toBeUndefined();
    expect(existsSync(link)).toBe(false);
  });

  it('fails with PORT_UNAVAILABLE and a hint when socat is missing', async () => {
    const err = await startPtyBridge({ board: probeBoard(hex), socat: '/nonexistent/socat' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe(ErrorCode.PORT_UNAVAILABLE);
    expect((err as BridgeError).message).toMatch(/socat not found/);
  });
});
