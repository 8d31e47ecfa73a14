/** An entry of a TimerHeap: when it is due, the order it was set in, and whether it was cancelled. */
export interface HeapEntry {
  due: number;
  seq: number;
  cancelled: boolean;
}

/**
 * Timers in a binary min-heap, earliest due first and, at the same due time, in the order they were
 * set. Cancelling only marks an entry; marked entries are dropped when they reach the top, so a cancel
 * costs nothing and the heap never searches. Used by the virtual clock and the fleet's shared clock.
 */
export class TimerHeap<T extends HeapEntry> {
  readonly #h: T[] = [];

  /** Entries held, cancelled ones that have not reached the top yet included. */
  get size(): number {
    return this.#h.length;
  }

  /** The earliest entry that is not cancelled, or undefined. */
  peek(): T | undefined {
    while (this.#h[0]?.cancelled) this.pop();
    return this.#h[0];
  }

  push(t: T): void {
    const h = this.#h;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      swap(h, i, p);
      i = p;
    }
  }

  /** Removes and returns the top entry (cancelled or not). */
  pop(): T | undefined {
    const h = this.#h;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || !last) return top;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l]!, h[m]!)) m = l;
      if (r < h.length && less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      swap(h, i, m);
      i = m;
    }
    return top;
  }

  clear(): void {
    this.#h.length = 0;
  }
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

/**
 * Through a temporary, not `[a, b] = [b, a]`: the destructuring allocates an array per swap, and a fleet
 * clock swaps some thirty times per timer (push and pop in a heap of 200,000): a kilobyte of garbage per
 * sensor reading (allocation sampling, bench/heap-per-home.ts's fleet).
 */
function swap<T>(h: T[], i: number, j: number): void {
  const t = h[i]!;
  h[i] = h[j]!;
  h[j] = t;
}
