import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HeapEntry, TimerHeap } from '../../src/core/timer-heap.js';

interface Entry extends HeapEntry {
  name: number;
}

type Op = { kind: 'push'; due: number } | { kind: 'pop' } | { kind: 'peek' } | { kind: 'cancel'; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  // Few distinct due times, so ties (ordered by seq) are common; weighted so the heap grows past its
  // first capacity.
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 40 }).map((due) => ({ kind: 'push', due }) as const) },
  { weight: 2, arbitrary: fc.constant({ kind: 'pop' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'peek' } as const) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'cancel', pick }) as const) },
);

/** The model: every entry held, in (due, seq) order. */
function earliest(held: Entry[]): Entry | undefined {
  let best: Entry | undefined;
  for (const e of held) if (!best || e.due < best.due || (e.due === best.due && e.seq < best.seq)) best = e;
  return best;
}

describe('TimerHeap', () => {
  it('pops in due order, ties in the order they were set, and peek skips cancelled entries (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const heap = new TimerHeap<Entry>();
        const held: Entry[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.kind === 'push') {
            const e: Entry = { due: o.due, seq: seq++, cancelled: false, name: seq };
            heap.push(e);
            held.push(e);
          } else if (o.kind === 'pop') {
            const want = earliest(held);
            expect(heap.pop()).toBe(want);
            if (want) held.splice(held.indexOf(want), 1);
          } else if (o.kind === 'peek') {
            // peek drops cancelled entries from the top, as the model does.
            for (let top = earliest(held); top?.cancelled; top = earliest(held)) held.splice(held.indexOf(top), 1);
            expect(heap.peek()).toBe(earliest(held));
          } else if (held.length > 0) {
            held[o.pick % held.length]!.cancelled = true;
          }
          expect(heap.size).toBe(held.length);
        }
        // Draining returns every entry left, in order.
        while (held.length > 0) {
          const want = earliest(held)!;
          expect(heap.pop()).toBe(want);
          held.splice(held.indexOf(want), 1);
        }
        expect(heap.pop()).toBeUndefined();
        expect(heap.size).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('orders fractional due times and keeps working after clear()', () => {
    const heap = new TimerHeap<Entry>();
    const dues = [5.25, 5.125, 1e12 + 0.5, 1e12 + 0.25, 0, 5.125];
    for (const [seq, due] of dues.entries()) heap.push({ due, seq, cancelled: false, name: seq });
    const out: number[] = [];
    for (let e = heap.pop(); e; e = heap.pop()) out.push(e.name);
    expect(out).toEqual([4, 1, 5, 0, 3, 2]);
    for (let i = 0; i < 200; i++) heap.push({ due: 200 - i, seq: i, cancelled: false, name: i });
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.peek()).toBeUndefined();
    heap.push({ due: 1, seq: 0, cancelled: false, name: 7 });
    expect(heap.pop()?.name).toBe(7);
  });
});
