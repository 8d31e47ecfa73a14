import { describe, expect, it } from 'vitest';
import { BoardRunner } from '../../src/board/runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A target that cannot keep up: each step executes only a thousandth of what it is asked. */
function slowTarget() {
  return {
    cycles: 0,
    step(n: number) {
      this.cycles += Math.max(1, Math.floor(n / 1000));
    },
  };
}

describe('BoardRunner lag', () => {
  it('shows how far a paced target is behind the wall clock, and is not forgiven with maxLagMs Infinity', async () => {
    const runner = new BoardRunner(slowTarget(), 16_000_000);
    runner.start({ speed: 1, maxLagMs: Infinity });
    await sleep(400);
    const lag = runner.lagMs;
    runner.stop();
    // About 400 ms behind (the target managed a thousandth of its time); never reset to zero.
    expect(lag).toBeGreaterThan(300);
    expect(runner.lagMs).toBe(0); // stopped
  });

  it('is 0 for an unpaced runner', async () => {
    const runner = new BoardRunner(slowTarget(), 16_000_000);
    runner.start();
    await sleep(20);
    expect(runner.lagMs).toBe(0);
    runner.stop();
  });
});
