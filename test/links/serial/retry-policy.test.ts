import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/environment/clock.js';
import { mergeCommand } from '../../../src/home/status-codec.js';
import { Backoff, Reopener } from '../../../src/links/serial/reconnect.js';
import { DEFAULT_SERIAL_TIMING, timingWithin, worstCaseRequestMs } from '../../../src/links/serial/serial-timing.js';

const digits = (max: readonly number[]) =>
  fc.tuple(...max.map((m) => fc.integer({ min: 0, max: m }))).map((d) => d.join(''));
const status = digits([4, 1, 9, 1, 9, 7, 3, 1, 1]);
const command = digits([4, 2, 9, 2, 9, 7, 3, 2, 2]);

describe('serial retry policy', () => {
  it('SET is idempotent: a command applied twice (its first ACK lost) leaves the status of one', () => {
    fc.assert(fc.property(status, command, (s, c) => mergeCommand(mergeCommand(s, c), c) === mergeCommand(s, c)));
  });

  it('fits every attempt of one command inside the bridge command timeout', () => {
    for (const commandTimeoutMs of [100, 500, 1000, 3000, 60_000]) {
      const t = timingWithin(commandTimeoutMs);
      expect(worstCaseRequestMs(t)).toBeLessThan(commandTimeoutMs);
      expect(t.retries).toBe(DEFAULT_SERIAL_TIMING.retries);
    }
    expect(timingWithin(3000).ackTimeoutMs).toBe(750);
    expect(timingWithin(60_000).ackTimeoutMs).toBe(DEFAULT_SERIAL_TIMING.ackTimeoutMs);
  });

  it('backs off 0.5 s → 10 s, doubling, and starts over after a success', () => {
    const b = new Backoff(500, 10_000);
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    b.reset();
    expect(b.next()).toBe(500);
  });

  it('reopens until an attempt succeeds, then stops trying', async () => {
    const clock = new VirtualClock();
    const tries: number[] = [];
    let failures = 0;
    const r = new Reopener({
      clock,
      backoff: new Backoff(500, 10_000),
      attempt: async () => {
        tries.push(clock.now());
        if (tries.length < 3) throw new Error('still away');
      },
      onFailure: () => failures++,
    });
    r.start();
    r.start(); // one loop at a time
    for (let i = 0; i < 40; i++) {
      clock.advance(100);
      await Promise.resolve();
    }
    expect(tries).toEqual([500, 1500, 3500]);
    expect(failures).toBe(2);
    expect(r.running).toBe(false);
    expect(clock.nextDue()).toBeUndefined();
  });
});
