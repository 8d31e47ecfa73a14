import { describe, expect, it } from 'vitest';
import { PubackWatchdog } from '../../src/bus/puback-watchdog.js';

function watchdog(timeoutMs = 1000) {
  let now = 0;
  const fired: { oldestAgeMs: number; pending: number }[] = [];
  const w = new PubackWatchdog({ timeoutMs, onTimeout: (i) => fired.push(i), now: () => now });
  return { w, fired, at: (t: number) => (now = t) };
}

describe('PubackWatchdog', () => {
  it('fires once when the oldest unacknowledged publish passes the timeout on a live connection', () => {
    const { w, fired, at } = watchdog();
    w.connected();
    w.sent(1);
    at(500);
    w.sent(2);
    w.check();
    expect(fired).toEqual([]);
    at(1000);
    w.check();
    w.check();
    expect(fired).toEqual([{ oldestAgeMs: 1000, pending: 2 }]);
    w.stop();
  });

  it('does not fire while acknowledgements keep coming, and measures their latency', () => {
    const { w, fired, at } = watchdog();
    w.connected();
    for (let i = 0; i < 100; i++) {
      at(i * 100);
      w.sent(i);
      at(i * 100 + 40);
      w.acked(i);
      w.check();
    }
    expect(fired).toEqual([]);
    expect(w.latency.count).toBe(100);
    expect(w.latency.percentile(50)).toBe(40);
    w.stop();
  });

  it('does not time a disconnected client, and restarts the clock on the next connection', () => {
    const { w, fired, at } = watchdog();
    w.connected();
    w.sent(1);
    w.disconnected();
    at(5000);
    w.check();
    expect(fired).toEqual([]);
    w.connected();
    at(5999);
    w.check();
    expect(fired).toEqual([]);
    at(6000);
    w.check();
    expect(fired).toHaveLength(1);
    expect(w.timeouts).toBe(1);
    w.stop();
  });

  it('is off with a timeout of 0', () => {
    const { w, fired, at } = watchdog(0);
    w.connected();
    w.sent(1);
    at(1e9);
    w.check();
    expect(fired).toEqual([]);
    w.stop();
  });
});
