/**
 * Keeps the last `size` samples and answers percentiles over them (bounded memory). The sample buffer
 * is allocated on the first sample: a fleet runs thousands of bridges, most of which never see a
 * command, and 8 KB each would add up to tens of megabytes.
 */
export class LatencyWindow {
  readonly #size: number;
  #samples: Float64Array | undefined;
  #count = 0;
  #next = 0;

  constructor(size = 1024) {
    this.#size = size;
  }
  add(ms: number): void {
    this.#samples ??= new Float64Array(this.#size);
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#size;
    this.#count++;
  }
  get count(): number {
    return this.#count;
  }
  percentile(p: number): number {
    const n = Math.min(this.#count, this.#size);
    if (n === 0 || !this.#samples) return 0;
    const sorted = Array.from(this.#samples.subarray(0, n)).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  }
}
