import * as hdr from 'hdr-histogram-js';

/**
 * End-to-end latencies in an HDR histogram (3 significant digits, 1 µs to 1 h): exact enough for p99.9
 * over millions of samples in constant memory, unlike the fleet's fixed 4 % buckets (src/fleet/histogram.ts).
 */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  /** Samples below 0 (the sender's clock ahead of the verifier's), recorded as 0. */
  negative: number;
}

const HOUR_US = 3_600_000_000;

export class LatencyRecorder {
  readonly #h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HOUR_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  /** Samples below 0 (the sender's clock ahead of ours): recorded as 0, counted here. */
  negative = 0;

  recordMs(ms: number): void {
    if (ms < 0) this.negative++;
    this.#h.recordValue(Math.min(HOUR_US, Math.max(0, Math.round(ms * 1000))));
  }

  /** Adds another recorder's samples (and its negative count) to this one's. */
  add(other: LatencyRecorder): void {
    if (other.count === 0) return;
    this.#h.add(other.#h);
    this.negative += other.negative;
  }

  get count(): number {
    return this.#h.totalCount;
  }

  reset(): void {
    this.#h.reset();
    this.negative = 0;
  }

  /** Percentiles in ms (0.001 ms resolution; all 0 when empty). */
  summary(): LatencySummary {
    const h = this.#h;
    const ms = (us: number): number => Math.round(us) / 1000;
    if (h.totalCount === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0, negative: this.negative };
    // A percentile is the top of its bucket (up to 0.1 % above the samples in it): never report one above the max.
    const max = h.maxValue;
    const at = (p: number): number => ms(Math.min(max, h.getValueAtPercentile(p)));
    return { count: h.totalCount, p50: at(50), p99: at(99), p999: at(99.9), max: ms(max), negative: this.negative };
  }
}
