import { describe, expect, it } from 'vitest';
import { SequenceTracker } from '../../../src/fleet/verify/sequence-tracker.js';

const BOOT = 1_000;

function feed(t: SequenceTracker, seqs: number[], home = 'h-0', boot = BOOT): string[] {
  return seqs.map((s) => t.report(home, boot, s));
}

describe('SequenceTracker', () => {
  it('counts an unbroken sequence as all received', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [0, 1, 2, 3]);
    feed(t, [0, 1], 'h-1');
    expect(t.totals()).toMatchObject({ homes: 2, expected: 6, received: 6, lost: 0, duplicates: 0, reordered: 0 });
    expect(t.anomalies()).toEqual([]);
  });

  it('counts a gap as lost at once', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [0, 1, 4, 5]);
    expect(t.totals()).toMatchObject({ expected: 6, received: 4, lost: 2 });
    expect(t.anomalies()).toEqual([{ home: 'h-0', lost: 2, duplicates: 0, reordered: 0, restarts: 0 }]);
  });

  it('with baseline zero, a first report above 0 means the earlier ones were lost', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [3, 4]);
    expect(t.totals()).toMatchObject({ expected: 5, received: 2, lost: 3 });
  });

  it('with baseline first-seen, numbering starts at the first report seen', () => {
    const t = new SequenceTracker({ baseline: 'first-seen' });
    feed(t, [3, 4, 5]);
    expect(t.totals()).toMatchObject({ expected: 3, received: 3, lost: 0 });
    // An earlier one arriving late moves the baseline down: reordered, and what lies between is lost.
    expect(feed(t, [1])).toEqual(['reordered']);
    expect(t.totals()).toMatchObject({ expected: 5, received: 4, lost: 1, reordered: 1 });
  });

  it('counts a repeat as a duplicate, not as received', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    expect(feed(t, [0, 1, 1, 2, 0])).toEqual(['new', 'new', 'duplicate', 'new', 'duplicate']);
    expect(t.totals()).toMatchObject({ expected: 3, received: 3, lost: 0, duplicates: 2, reordered: 0 });
  });

  it('a late arrival fills its gap: reordered, no longer lost', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    expect(feed(t, [0, 2, 1, 3])).toEqual(['new', 'new', 'reordered', 'new']);
    expect(t.totals()).toMatchObject({ expected: 4, received: 4, lost: 0, reordered: 1, duplicates: 0 });
    // The same late one again is a duplicate.
    expect(feed(t, [1])).toEqual(['duplicate']);
  });

  it('a restarted home (newer boot) starts again at 0; the old gaps stay lost', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [0, 1, 3]);
    expect(feed(t, [0, 1], 'h-0', BOOT + 5000)).toEqual(['new', 'new']);
    expect(t.totals()).toMatchObject({ expected: 6, received: 5, lost: 1, restarts: 1, duplicates: 0 });
    // A straggler of the old boot is stale, not a duplicate of the new 0.
    expect(t.report('h-0', BOOT, 4)).toBe('stale');
    expect(t.totals()).toMatchObject({ expected: 6, lost: 1, stale: 1 });
    expect(t.anomalies()).toEqual([{ home: 'h-0', lost: 1, duplicates: 0, reordered: 0, restarts: 1 }]);
  });

  it('an announced count reveals reports lost after the last one received', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [0, 1, 2]);
    t.announce('h-0', BOOT, 5);
    expect(t.totals()).toMatchObject({ expected: 5, received: 3, lost: 2 });
    // They may still arrive (the announcement overtook them): then nothing is lost.
    expect(feed(t, [3, 4])).toEqual(['reordered', 'reordered']);
    expect(t.totals()).toMatchObject({ expected: 5, received: 5, lost: 0 });
    // An older, smaller announcement (a will set at connect) changes nothing.
    t.announce('h-0', BOOT, 1);
    expect(t.totals()).toMatchObject({ expected: 5, lost: 0 });
  });

  it('an announcement before any report sets what is expected (first-seen: from then on)', () => {
    const t = new SequenceTracker({ baseline: 'first-seen' });
    t.announce('h-0', BOOT, 10);
    feed(t, [10, 11]);
    expect(t.totals()).toMatchObject({ expected: 2, received: 2, lost: 0 });
    const z = new SequenceTracker({ baseline: 'zero' });
    z.announce('h-0', BOOT, 0);
    feed(z, [0]);
    expect(z.totals()).toMatchObject({ expected: 1, received: 1, lost: 0 });
  });

  it('remembers at most maxGapsPerHome gaps; the rest are lost for good', () => {
    const t = new SequenceTracker({ baseline: 'zero', maxGapsPerHome: 3 });
    feed(t, [0, 10]);
    expect(t.totals()).toMatchObject({ expected: 11, lost: 9 });
    // The newest three gaps are remembered and can still be filled.
    expect(feed(t, [9, 7])).toEqual(['reordered', 'reordered']);
    expect(feed(t, [2])).toEqual(['duplicate']);
    expect(t.totals()).toMatchObject({ expected: 11, received: 4, lost: 7 });
    expect(t.anomalies()[0]).toMatchObject({ lost: 7 });
  });

  it('lists the worst homes first', () => {
    const t = new SequenceTracker({ baseline: 'zero' });
    feed(t, [0, 2], 'a');
    feed(t, [0, 5], 'b');
    feed(t, [0, 0], 'c');
    feed(t, [0, 1], 'd');
    expect(t.anomalies().map((a) => a.home)).toEqual(['b', 'a', 'c']);
  });
});
