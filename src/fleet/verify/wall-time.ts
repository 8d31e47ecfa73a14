/**
 * Wall-clock time with sub-millisecond resolution, for the `sent` stamp of a report and its receipt:
 * both sides read the same definition, so loopback latencies of a fraction of a millisecond come out
 * right. (`Date.now()` as a clock's origin is whole milliseconds: two processes' clocks could disagree by
 * up to 1 ms, more than the latency being measured.) Across machines it is as good as their NTP.
 */
export function wallTimeMs(): number {
  return performance.timeOrigin + performance.now();
}
