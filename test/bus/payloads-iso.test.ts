import { describe, expect, it } from 'vitest';
import { iso } from '../../src/bus/payloads.js';

describe('iso (time text of every payload)', () => {
  it('gives what Date gives, for the same millisecond again, fractions, the next millisecond and before 1970', () => {
    const t = Date.UTC(2026, 11, 7, 1, 2, 3, 456);
    const times = [t, t, t + 0.25, t + 0.999, t + 1, t + 1.5, t - 1, 0, -0.5, -1.5, -86_400_000.25, t, 8.64e15];
    for (const ms of times) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString());
    expect(iso(t + 0.9)).toBe('2026-12-07T01:02:03.456Z');
    expect(iso(t + 1)).toBe('2026-12-07T01:02:03.457Z');
  });

  it('throws RangeError for a time Date cannot hold, every time, and then formats valid times again', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 8.64e15 + 1, Number.NaN]) {
      expect(() => iso(bad), String(bad)).toThrow(RangeError);
      expect(() => iso(bad), String(bad)).toThrow(RangeError);
    }
    expect(iso(1000)).toBe('1970-01-01T00:00:01.000Z');
  });
});
