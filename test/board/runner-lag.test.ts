import { describe, expect, it } from 'vitest';
import { BoardRunner } from '../../src/board/runner.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A target that cannot keep up: each step executes one cycle, however many it is asked for. (A thousandth
 * of the batch, 100 cycles, nearly kept pace with 16 MHz when the runner's immediates spun fast.)
 */
function slowTarget() {
  return {
    cycles: 0,
    step(_n: number) {
      this.cycles += 1;
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
    // The target falls behind all the time (a step runs one cycle of the thousands it is asked, however
    // often the runner steps it), so the lag grows with the wall clock: it is never forgiven (reset
    // towards zero), whatever the host's load did to the timers.
    expect(first.lag).toBeGreaterThan(0);
    expect(lag - first.lag).toBeGreaterThan(elapsed / 2);
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
