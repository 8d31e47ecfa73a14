import { describe, expect, it } from 'vitest';
import { BootGate } from '../../src/fleet/boot-gate.js';

/** A task the test settles by hand. */
function deferred(): { promise: Promise<string>; resolve: (v: string) => void; reject: (e: Error) => void } {
  let resolve!: (v: string) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('BootGate', () => {
  it('runs the first task alone, then up to the limit at once, in the order they came', async () => {
    const gate = new BootGate(3);
    const tasks = Array.from({ length: 6 }, deferred);
    const started: number[] = [];
    const results = tasks.map((t, i) =>
      gate.run(() => {
        started.push(i);
        return t.promise;
      }),
    );
    await tick();
    expect(started).toEqual([0]);
    expect(gate.waiting).toBe(5);
    tasks[0]!.resolve('a');
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    expect(gate.running).toBe(3);
    tasks[2]!.resolve('c');
    await tick();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    for (const t of tasks) t.resolve('x');
    expect(await Promise.all(results)).toEqual(['a', 'x', 'c', 'x', 'x', 'x']);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(gate.running).toBe(0);
  });

  it('a task that rejects passes its rejection on and frees its place', async () => {
    const gate = new BootGate(1);
    const failing = gate.run(() => Promise.reject(new Error('board build mismatch')));
    const next = gate.run(() => Promise.resolve('booted'));
    await expect(failing).rejects.toThrow('board build mismatch');
    await expect(next).resolves.toBe('booted');
    expect(gate.running).toBe(0);
    expect(gate.waiting).toBe(0);
  });

  it('a task arriving while others wait queues behind them', async () => {
    const gate = new BootGate(2);
    const first = deferred();
    const order: string[] = [];
    const a = gate.run(() => first.promise);
    const b = gate.run(async () => void order.push('b'));
    await tick();
    first.resolve('a');
    await a;
    const c = gate.run(async () => void order.push('c'));
    await Promise.all([b, c]);
    expect(order).toEqual(['b', 'c']);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new BootGate(0)).toThrow(RangeError);
    expect(() => new BootGate(1.5)).toThrow(RangeError);
  });
});
