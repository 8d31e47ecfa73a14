/** Keeps the last `size` samples and answers percentiles over them (bounded memory). */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;

  constructor(size = 1024) {
    this.#samples = new Float64Array(size);
  }
  add(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#samples.length;
    this.#count++;
  }
  get count(): number {
    return this.#count;
  }
  percentile(p: number): number {
    const n = Math.min(this.#count, this.#samples.length);
    if (n === 0) return 0;
    const sorted = Array.from(this.#samples.subarray(0, n)).sort((a, b) => a - b);
    return sorted[Math.min(n - 1, Math.floor((p / 100) * n))]!;
  }
}
