import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../../../src/fleet/verify/latency.js';

describe('LatencyRecorder', () => {
  it('reports percentiles within 0.1 % and never above the max', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 10_000; i++) r.recordMs(i / 100); // 0.01 … 100 ms
    const s = r.summary();
    expect(s.count).toBe(10_000);
    expect(s.p50).toBeCloseTo(50, 0);
    expect(s.p99).toBeCloseTo(99, 0);
    expect(s.p999).toBeCloseTo(99.9, 0);
    expect(s.max).toBeCloseTo(100, 0);
    expect(s.p999).toBeLessThanOrEqual(s.max);
  });

  it('records a negative latency (sender clock ahead) as 0 and counts it', () => {
    const r = new LatencyRecorder();
    r.recordMs(-3);
    r.recordMs(2);
    expect(r.negative).toBe(1);
    expect(r.summary()).toMatchObject({ count: 2, max: 2 });
    r.reset();
    expect(r.summary()).toEqual({ count: 0, p50: 0, p99: 0, p999: 0, max: 0, negative: 0 });
  });
});
