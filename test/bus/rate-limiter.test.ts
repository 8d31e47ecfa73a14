import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/bus/rate-limiter.js';

describe('RateLimiter', () => {
  it('lets at most perSecond events through in any one-second window, and counts the rest', () => {
    let now = 0;
    const limiter = new RateLimiter(10, { now: () => now });
    const passed: number[] = [];
    // 10,000 events spread over 5 s, unevenly: bursts at window edges included.
    for (let i = 0; i < 10_000; i++) {
      now = Math.floor(((i * i) / 20_000_000) * 5000) + (i % 3);
      if (limiter.take()) passed.push(now);
    }
    for (let i = 10; i < passed.length; i++) expect(passed[i]! - passed[i - 10]!).toBeGreaterThanOrEqual(1000);
    expect(passed.length + limiter.suppressed).toBe(10_000);
    expect(passed.length).toBeGreaterThanOrEqual(10);
  });

  it('lets events through again once the window has passed', () => {
    let now = 0;
    const limiter = new RateLimiter(2, { now: () => now });
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, false]);
    now = 999;
    expect(limiter.take()).toBe(false);
    now = 1000;
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, false]);
    expect(limiter.suppressed).toBe(3);
  });
});
