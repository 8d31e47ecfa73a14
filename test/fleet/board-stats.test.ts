import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FleetView } from '../../src/cli/fleet-view.js';
import { boardRates, sumBoardStats, type BoardStats } from '../../src/fleet/board-stats.js';
import { Histogram } from '../../src/fleet/histogram.js';
import { emptyStats, sumStats } from '../../src/fleet/stats.js';

function part(home: string, lags: number[], extra: Partial<BoardStats> = {}): BoardStats {
  const h = new Histogram();
  for (const l of lags) h.record(l);
  const each = [
    {
      home,
      lagP50: 0,
      lagP99: 0,
      lagMax: Math.max(...lags),
      mhz: 16,
      lines: 10,
      checksumErrors: 1,
      resets: 0,
      bootMs: 500,
      unplugged: false,
    },
  ];
  return {
    boards: 1,
    lag: h.snapshot(),
    lagMax: Math.max(...lags),
    mhz: 16,
    mhzMin: 16,
    lines: 10,
    checksumErrors: 1,
    resets: 0,
    boot: new Histogram([]).snapshot(),
    each,
    ...extra,
  };
}

describe('board stats', () => {
  it('add up over workers: counters, lag histograms, the slowest board, every board listed', () => {
    const sum = sumBoardStats([
      part('h-0', [1, 2]),
      undefined,
      part('h-1', [300], { mhz: 12, mhzMin: 12, resets: 2 }),
    ])!;
    expect(sum).toMatchObject({ boards: 2, lagMax: 300, mhz: 28, mhzMin: 12, lines: 20, checksumErrors: 2, resets: 2 });
    expect(sum.each.map((b) => b.home)).toEqual(['h-0', 'h-1']);
    expect(new Histogram(sum.lag).count).toBe(3);
    expect(sumBoardStats([undefined, undefined])).toBeUndefined();
    // Part of the fleet's stats, absent for a fleet without boards.
    expect(sumStats([emptyStats(), { ...emptyStats(), boards: part('h-2', [5]) }]).boards?.boards).toBe(1);
    expect(sumStats([emptyStats()]).boards).toBeUndefined();
  });

  it('give the lag of an interval between two snapshots, and the live line shows them', () => {
    const earlier = part('h-0', [1000, 1000]);
    const later = part('h-0', [1000, 1000, 2, 2, 2, 2]);
    const r = boardRates(earlier, later);
    expect(r.lagP99).toBeLessThan(3);
    expect(r.mhzMean).toBe(16);
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const view = new FleetView('text', out);
    view.update({ ...emptyStats(), homes: 1, connected: 1, boards: earlier }, 0);
    view.update({ ...emptyStats(), homes: 1, connected: 1, boards: later }, 1000);
    expect(text).toMatch(
      new RegExp(
        String.raw`boards 1 · lag p50 2\.\d p99 2\.\d max 2\.\d ms · 16\.0 MHz \(min 16\.0\) · ` +
          String.raw`lines 10 · checksum errors 1 · resets 0\n$`,
      ),
    );
  });
});
