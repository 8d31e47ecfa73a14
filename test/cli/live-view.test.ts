/**
 * The live view and log lines on one terminal: logs scroll above the live region, never into it.
 * Unit test against a fake TTY stream (a screen model); test/cli/live-view-tty.test.ts runs the CLI
 * on a real pseudo-terminal.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LiveView, LogDestination } from '../../src/cli/live-view.js';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/logger.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { EmulatedLink } from '../../src/links/emulated.js';
import { TerminalScreen } from '../support/terminal.js';

const HEADER = 'smarthome-bridge — test home';

/** The live block's lines on a screen: the header and everything after it. */
function liveBlock(lines: string[]): { before: string[]; block: string[] } {
  const start = lines.lastIndexOf(lines.find((l) => l.startsWith(HEADER)) ?? '\u0000');
  return { before: lines.slice(0, start), block: lines.slice(start) };
}

describe('LiveView with logs on the same terminal', () => {
  it('puts every log line above the live region, which stays whole at the bottom', async () => {
    const screen = new TerminalScreen();
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        screen.write(chunk.toString('utf8'));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const clock = new VirtualClock(Date.parse('2026-01-01T00:00:00Z'));
    const link = new EmulatedLink({ config: defaultDevicesConfig(), clock });
    const logs = new LogDestination();
    const logger = createLogger('info', 'test', logs);
    const view = new LiveView(link, clock, HEADER, out);
    await link.start();
    view.start();
    logs.redirect((text) => view.writeAbove(text));

    for (let i = 0; i < 5; i++) {
      view.render();
      logger.warn({ n: i }, `bad command ${i}`);
      await link.apply(i % 2 === 0 ? '016155010' : '000000000');
      clock.advance(2000);
      view.render();
    }
    view.stop();

    const lines = screen.text();
    const { before, block } = liveBlock(lines);
    // Five log lines, in order, each whole on its own line, all above the block.
    const logLines = before.filter((l) => l.startsWith('{'));
    expect(logLines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `bad command ${i}`),
    );
    expect(before).toEqual(logLines);
    // One block, drawn once at the bottom: the header, the status lines, the events; no log inside.
    expect(block[0]).toBe(HEADER);
    expect(block.filter((l) => l.startsWith(HEADER))).toHaveLength(1);
    expect(block.some((l) => l.includes('"msg"'))).toBe(false);
    expect(block[1]).toMatch(/^status {2}\d{9} {2}mode /);
    expect(block.slice(2, 6).map((l) => l.split(' ')[0])).toEqual(['aircon', 'light', 'window', 'climate']);
  });

  it('writes logs plainly once stopped', () => {
    const chunks: string[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    }) as unknown as NodeJS.WriteStream;
    const clock = new VirtualClock(0);
    const view = new LiveView(new EmulatedLink({ config: defaultDevicesConfig(), clock }), clock, HEADER, out);
    view.writeAbove('{"msg":"after"}');
    expect(chunks).toEqual(['{"msg":"after"}\n']);
  });
});
