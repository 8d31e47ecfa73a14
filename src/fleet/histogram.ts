/**
 * A fixed-bucket latency histogram that threads and processes can merge and subtract: buckets grow
 * by 4 % from 0.01 ms to about 65 s, so a percentile is within ±2 % of the true value and a snapshot
 * is a plain array of counts (cheap to post from a worker thread or print as JSON).
 */
const MIN_MS = 0.01;
const FACTOR = 1.04;
const LOG_FACTOR = Math.log(FACTOR);
export const HISTOGRAM_BUCKETS = 400;

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(HISTOGRAM_BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_FACTOR));
}

/** The geometric middle of a bucket: what a sample in it is reported as. */
function bucketValue(bucket: number): number {
  return bucket === 0 ? MIN_MS : MIN_MS * FACTOR ** (bucket - 0.5);
}

export class Histogram {
  readonly counts: Uint32Array;
  #count = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(HISTOGRAM_BUCKETS);
    if (counts) this.add(counts);
  }

  get count(): number {
    return this.#count;
  }

  record(ms: number): void {
    this.counts[bucketOf(ms)]!++;
    this.#count++;
  }

  /** Adds another histogram's counts (merging threads). */
  add(counts: ArrayLike<number>): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = counts[i] ?? 0;
      this.counts[i]! += c;
      this.#count += c;
    }
  }

  /** `later − earlier` of two snapshots of one growing histogram: the samples in between. */
  static between(earlier: ArrayLike<number>, later: ArrayLike<number>): Histogram {
    const h = new Histogram();
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      const c = Math.max(0, (later[i] ?? 0) - (earlier[i] ?? 0));
      h.counts[i] = c;
      h.#count += c;
    }
    return h;
  }

  /** The p-th percentile in ms (0 when empty). */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketValue(i);
    }
    return bucketValue(HISTOGRAM_BUCKETS - 1);
  }

  /** A plain copy of the counts, with trailing zeros cut (for messages and JSON). */
  snapshot(): number[] {
    let end = HISTOGRAM_BUCKETS;
    while (end > 0 && this.counts[end - 1] === 0) end--;
    return Array.from(this.counts.subarray(0, end));
  }
}
