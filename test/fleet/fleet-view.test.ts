import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FleetView } from '../../src/cli/fleet-view.js';
import { emptyStats, type FleetStats } from '../../src/fleet/stats.js';

/** What the view printed, one entry per write. */
function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines };
}

/** 200 homes all reporting at once, once a second (the burst 10 ms after each full second). */
function lockstep(atMs: number): FleetStats {
  const bursts = atMs >= 10 ? Math.floor((atMs - 10) / 1000) + 1 : 0;
  return {
    ...emptyStats(),
    homes: 200,
    started: 200,
    connected: 200,
    messagesOut: 200 * bursts,
    reports: 200 * bursts,
  };
}

const outRates = (lines: string[]): string[] => lines.map((l) => /out (\d+)\/s/.exec(l)?.[1] ?? '?');

describe('FleetView rates', () => {
  it('averages over the report period: bursts once a period show as a steady rate at a shorter interval', () => {
    const { stream, lines } = capture();
    const view = new FleetView('text', stream, { averageMs: 1000 });
    for (let t = 0; t <= 5000; t += 250) view.update(lockstep(t), t);
    // From the first full period on, every line says 200/s.
    expect(outRates(lines).slice(4)).toEqual(Array(lines.length - 4).fill('200'));
  });

  it('without a report period it shows the rate of the last interval alone (the flicker this avoids)', () => {
    const { stream, lines } = capture();
    const view = new FleetView('text', stream);
    for (let t = 0; t <= 2000; t += 250) view.update(lockstep(t), t);
    expect(new Set(outRates(lines))).toEqual(new Set(['800', '0']));
  });
});

describe('FleetView on a terminal with logs', () => {
  it('writes a log line above the live line and draws the line again below it', async () => {
    const { TerminalScreen } = await import('../support/terminal.js');
    const screen = new TerminalScreen();
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        screen.write(chunk.toString('utf8'));
        done();
      },
    });
    const view = new FleetView('tty', stream, { averageMs: 1000 });
    for (let t = 0; t <= 2000; t += 250) {
      view.update(lockstep(t), t);
      if (t % 500 === 0) view.writeAbove(`{"msg":"reconnect ${t}"}\n`);
    }
    const lines = screen.text();
    expect(lines.slice(0, -1)).toEqual([0, 500, 1000, 1500, 2000].map((t) => `{"msg":"reconnect ${t}"}`));
    expect(lines.at(-1)).toMatch(/^connected 200\/200 · in 0\/s · out 200\/s/);
  });
});

describe('FleetView while connecting', () => {
  const connecting: FleetStats = {
    ...emptyStats(),
    homes: 10_000,
    started: 6000,
    connected: 5000,
    connect: { rate: 3430, inFlight: 1000, connected: 5000, refused: 12, backoffs: 2, adaptive: true },
  };

  it('shows the connect rate and the refused attempts on the progress line', () => {
    const { stream, lines } = capture();
    const view = new FleetView('tty', stream);
    view.update(connecting, 0);
    view.update(connecting, 1000);
    expect(lines.at(-1)).toContain(
      '5000/10000 connected, 1000 waiting for the broker · 3430/s (adaptive) · refused 12',
    );
  });

  it('carries them in --output json, and the refusals on the summary line once connected', () => {
    const json = capture();
    const view = new FleetView('json', json.stream);
    view.update(connecting, 0);
    view.update(connecting, 1000);
    const line = JSON.parse(json.lines.at(-1)!) as { refused: number; stats: FleetStats };
    expect(line.refused).toBe(12);
    expect(line.stats.connect).toEqual(connecting.connect);
    const text = capture();
    const done = { ...connecting, started: 10_000, connected: 10_000 };
    const summary = new FleetView('text', text.stream);
    summary.update(done, 0);
    summary.update(done, 1000);
    expect(text.lines.at(-1)).toMatch(/^connected 10000\/10000 \(12 refused\) · /);
  });
});
