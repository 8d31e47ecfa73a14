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
    await sleep(200);
    const first = { lag: runner.lagMs, at: performance.now() };
    await sleep(400);
    const lag = runner.lagMs;
    const elapsed = performance.now() - first.at;
    runner.stop();
    // The target falls behind all the time (each step runs a thousandth of what it is asked, however
    // often the runner steps it), so the lag keeps growing with the wall clock: it is never forgiven
    // (reset towards zero), whatever the host's load did to the timers.
    expect(first.lag).toBeGreaterThan(0);
    expect(lag - first.lag).toBeGreaterThan(elapsed / 10);
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
