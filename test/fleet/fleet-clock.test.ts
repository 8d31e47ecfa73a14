import { afterEach, describe, expect, it } from 'vitest';
import { FleetClock } from '../../src/fleet/fleet-clock.js';
import { Histogram } from '../../src/fleet/histogram.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Waits for a condition (generously: the machine may be busy); no speed is asserted. */
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond() && Date.now() < end) await sleep(5);
}

describe('FleetClock (one Node timer for every home)', () => {
  let clock: FleetClock;
  afterEach(() => clock.dispose());

  it('fires timers in due order, ties in the order they were set, and tells each callback its schedule', async () => {
    clock = new FleetClock();
    const fired: string[] = [];
    const dues: Record<string, number> = {};
    const at = (name: string, ms: number): void => {
      const t = clock.setTimer(ms, () => {
        fired.push(name);
        dues[name] = clock.firingDue!;
      });
      dues[`${name}.set`] = t.due;
    };
    at('c', 30);
    at('a', 10);
    at('b', 10);
    at('d', 0);
    await until(() => fired.length === 4);
    expect(fired).toEqual(['d', 'a', 'b', 'c']);
    for (const n of ['a', 'b', 'c', 'd']) expect(dues[n]).toBe(dues[`${n}.set`]);
    expect(clock.firingDue).toBeUndefined();
  });

  it('fires batches about a tick apart, no timer before its due time, and fires every one', async () => {
    clock = new FleetClock({ tickMs: 40 });
    const batches: number[] = [];
    const late: number[] = [];
    let fired = 0;
    let inBatch = false;
    // Due every 5 ms for 200 ms: forty timers, which one timer per millisecond would fire in ~40 wake-ups.
    for (let ms = 0; ms < 200; ms += 5)
      clock.setTimer(ms, () => {
        fired++;
        late.push(clock.now() - clock.firingDue!);
        if (inBatch) return;
        // A batch's callbacks run in one go; the microtask runs once they all have.
        inBatch = true;
        batches.push(performance.now());
        queueMicrotask(() => (inBatch = false));
      });
    await until(() => fired === 40);
    expect(fired).toBe(40);
    expect(Math.min(...late)).toBeGreaterThanOrEqual(0);
    // Node's timers count whole milliseconds from the event loop's cached time: a few early at most.
    for (let i = 1; i < batches.length; i++) expect(batches[i]! - batches[i - 1]!).toBeGreaterThanOrEqual(36);
    expect(batches.length).toBeLessThanOrEqual(7); // 200 ms in batches 40 ms apart
  });

  it('never fires a cleared timer', async () => {
    clock = new FleetClock();
    let fired = 0;
    const t = clock.setTimer(5, () => fired++);
    clock.setTimer(10, () => fired++);
    clock.clearTimer(t);
    await until(() => fired === 1);
    await sleep(20);
    expect(fired).toBe(1);
  });

  it('keeps firing a periodic timer that re-arms itself, also with 0 ms (no spin inside one batch)', async () => {
    clock = new FleetClock();
    let n = 0;
    const again = (): void => {
      n++;
      if (n < 5) clock.setTimer(0, again);
    };
    clock.setTimer(0, again);
    await until(() => n >= 5);
    await sleep(10);
    expect(n).toBe(5);
  });

  it('recycles a fired timer given back as the new one; never one still waiting or cleared', async () => {
    clock = new FleetClock();
    let ticks = 0;
    const handles = new Set<unknown>();
    let timer = clock.setTimer(0, function tick() {
      ticks++;
      if (ticks < 5) {
        timer = clock.setTimer(1, tick, timer);
        handles.add(timer);
      }
    });
    handles.add(timer);
    await until(() => ticks === 5);
    expect(ticks).toBe(5);
    expect(handles.size).toBe(1);
    // A timer that has not fired is still in the heap: giving it as `reuse` must not move or lose it.
    const fired: string[] = [];
    const waiting = clock.setTimer(5, () => fired.push('waiting'));
    const other = clock.setTimer(5, () => fired.push('other'), waiting);
    expect(other).not.toBe(waiting);
    // A cleared timer that fired is not brought back either.
    const cleared = clock.setTimer(0, () => fired.push('cleared'));
    clock.clearTimer(cleared);
    await until(() => fired.length === 2);
    const again = clock.setTimer(0, () => fired.push('again'), cleared);
    expect(again).not.toBe(cleared);
    await until(() => fired.length === 3);
    await sleep(20);
    expect(fired.sort()).toEqual(['again', 'other', 'waiting']);
  });

  it('re-arms for an earlier timer set after a later one', async () => {
    clock = new FleetClock();
    const fired: string[] = [];
    clock.setTimer(60_000, () => fired.push('late'));
    clock.setTimer(5, () => fired.push('early'));
    await until(() => fired.length > 0);
    expect(fired).toEqual(['early']);
  });
});

describe('Histogram', () => {
  it('answers percentiles within the bucket width and subtracts snapshots', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    expect(h.count).toBe(1000);
    expect(h.percentile(50)).toBeGreaterThan(50 * 0.97);
    expect(h.percentile(50)).toBeLessThan(50 * 1.03);
    expect(h.percentile(99)).toBeGreaterThan(99 * 0.97);
    expect(h.percentile(99)).toBeLessThan(99 * 1.03);
    const before = h.snapshot();
    for (let i = 0; i < 10; i++) h.record(500);
    const between = Histogram.between(before, h.snapshot());
    expect(between.count).toBe(10);
    expect(between.percentile(50)).toBeGreaterThan(480);
    expect(new Histogram().percentile(99)).toBe(0);
    expect(new Histogram(h.snapshot()).count).toBe(1010);
  });
});
