/**
 * Wall-clock time with sub-millisecond resolution, for the `sent` stamp of a report and its receipt:
 * both sides read the same definition, so loopback latencies of a fraction of a millisecond come out
 * right. (`Date.now()` as a clock's origin is whole milliseconds: two processes' clocks could disagree by
 * up to 1 ms, more than the latency being measured.) Across machines it is as good as their NTP.
 */
export function wallTimeMs(): number {
  return TIME_ORIGIN + performance.now();
}

/** Read once: the getter costs more than performance.now() itself, and it is read for every report. */
const TIME_ORIGIN = performance.timeOrigin;
