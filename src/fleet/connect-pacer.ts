/**
 * How fast a fleet opens its connections. With a fixed rate (an explicit --connect-rate) it opens that
 * many per second. Without one it adapts, as TCP's congestion control does (AIMD): it starts moderate,
 * doubles every adjustment while CONNACKs come back quickly (slow start), then grows additively; it
 * backs off multiplicatively when CONNACK latency rises above what this broker showed at its best, and
 * halves on every refused or failed attempt. In both modes the connections waiting for their CONNACK
 * are bounded, so a broker that stops answering never gets more than a window of sockets at once.
 *
 * Pure bookkeeping on an injected clock: the slice calls `take()` from its pacing tick, `launched()`
 * per connection it opens, and `connected()` / `failed()` as their first attempts end.
 */
export interface ConnectPacerOptions {
  /** Connections per second, fixed (no adaptation); undefined adapts. */
  fixedRate?: number | undefined;
  /** Adaptive: the first rate, connections/s. */
  initialRate?: number;
  /** Adaptive: never slower than this (a refusing broker still sees an attempt now and then). */
  minRate?: number;
  /** Adaptive: never faster than this. */
  maxRate?: number;
  /** Connections waiting for CONNACK at most (adaptive; fixed mode allows one second's worth, ≥ 50). */
  maxInFlight?: number;
  /** Latency a broker may always take without it counting as congestion, ms. */
  latencyFloorMs?: number;
  /** Congestion: the window's p90 CONNACK latency above this many times the best window's median. */
  latencyFactor?: number;
  /** How often the rate is reconsidered, ms. */
  adjustEveryMs?: number;
}

/** Defaults for one fleet process; a fleet with K workers gives each 1/K of the rates and the window. */
export const PACER_DEFAULTS = {
  initialRate: 2000,
  minRate: 10,
  maxRate: 20_000,
  maxInFlight: 5000,
  latencyFloorMs: 1000,
  latencyFactor: 4,
  adjustEveryMs: 200,
} as const;

export interface PacerStats {
  /** Current rate, connections/s. */
  rate: number;
  /** Connections waiting for their first CONNACK now. */
  inFlight: number;
  /** First attempts that ended in a CONNACK. */
  connected: number;
  /** First attempts refused or failed (closed, timed out, CONNACK ≠ 0). */
  refused: number;
  /** Times the rate was cut. */
  backoffs: number;
  adaptive: boolean;
}

const BACKOFF_ON_LATENCY = 0.7;
const BACKOFF_ON_REFUSAL = 0.5;

export class ConnectPacer {
  readonly #now: () => number;
  readonly #adaptive: boolean;
  readonly #minRate: number;
  readonly #maxRate: number;
  readonly #maxInFlight: number;
  readonly #floorMs: number;
  readonly #factor: number;
  readonly #everyMs: number;
  readonly #additive: number;
  #rate: number;
  #allowance = 0;
  #lastTake: number | undefined;
  #lastAdjust: number;
  #slowStart = true;
  #inFlight = 0;
  #connected = 0;
  #refused = 0;
  #backoffs = 0;
  #lastBackoff = Number.NEGATIVE_INFINITY;
  /** CONNACK latencies and refusals since the last adjustment. */
  #window: number[] = [];
  #windowRefused = 0;
  /** Launched since the last adjustment: growth only when the rate was used. */
  #windowLaunched = 0;
  /** Lowest median latency of any window: this broker's uncongested latency. */
  #bestMedian = Number.POSITIVE_INFINITY;

  constructor(options: ConnectPacerOptions, now: () => number) {
    this.#now = now;
    const fixed = options.fixedRate;
    if (fixed !== undefined && !(fixed > 0)) throw new RangeError(`connect rate must be positive, got ${fixed}`);
    this.#adaptive = fixed === undefined;
    const o = { ...PACER_DEFAULTS, ...options };
    this.#minRate = o.minRate;
    this.#maxRate = Math.max(o.minRate, o.maxRate);
    this.#rate = fixed ?? Math.min(Math.max(o.initialRate, o.minRate), this.#maxRate);
    this.#maxInFlight = fixed !== undefined ? Math.max(50, Math.ceil(fixed)) : Math.max(1, Math.floor(o.maxInFlight));
    this.#floorMs = o.latencyFloorMs;
    this.#factor = o.latencyFactor;
    this.#everyMs = o.adjustEveryMs;
    this.#additive = Math.max(1, o.initialRate / 4);
    this.#lastAdjust = now();
  }

  get rate(): number {
    return this.#rate;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  /** How many connections may be opened now (call it from a regular tick; each one then `launched()`). */
  take(): number {
    const now = this.#now();
    if (this.#adaptive && now - this.#lastAdjust >= this.#everyMs) this.#adjust(now);
    const elapsed = this.#lastTake === undefined ? 20 : now - this.#lastTake;
    this.#lastTake = now;
    // A late tick may start a little burst, but never more than a tenth of a second's worth
    // (and at least one connection, so slow rates still move).
    this.#allowance = Math.min(this.#allowance + (this.#rate * elapsed) / 1000, Math.max(1, this.#rate / 10));
    const n = Math.min(Math.floor(this.#allowance), this.#maxInFlight - this.#inFlight);
    return Math.max(0, n);
  }

  /** One connection opened; returns its start stamp for `connected()` / `failed()`. */
  launched(): number {
    this.#allowance = Math.max(0, this.#allowance - 1);
    this.#inFlight++;
    this.#windowLaunched++;
    return this.#now();
  }

  /** The first CONNACK of a connection opened at `startedAt`. */
  connected(startedAt: number): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#connected++;
    this.#window.push(this.#now() - startedAt);
  }

  /** A first attempt refused or failed: it leaves the window (the home retries on its own backoff). */
  failed(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#refused++;
    this.#windowRefused++;
    // At once, not at the next adjustment (a refusing broker should not see the rest of the burst),
    // but once per adjustment period: a burst of refusals is one congestion signal, as TCP halves
    // once per round trip.
    if (this.#adaptive && this.#now() - this.#lastBackoff >= this.#everyMs) this.#backOff(BACKOFF_ON_REFUSAL);
  }

  stats(): PacerStats {
    return {
      rate: Math.round(this.#rate),
      inFlight: this.#inFlight,
      connected: this.#connected,
      refused: this.#refused,
      backoffs: this.#backoffs,
      adaptive: this.#adaptive,
    };
  }

  #adjust(now: number): void {
    this.#lastAdjust = now;
    const samples = this.#window.sort((a, b) => a - b);
    const refused = this.#windowRefused;
    const launched = this.#windowLaunched;
    this.#window = [];
    this.#windowRefused = 0;
    this.#windowLaunched = 0;
    if (refused > 0 || samples.length === 0) return;
    const median = samples[Math.floor(samples.length / 2)]!;
    const p90 = samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.9))]!;
    this.#bestMedian = Math.min(this.#bestMedian, median);
    if (p90 > Math.max(this.#floorMs, this.#factor * this.#bestMedian)) return this.#backOff(BACKOFF_ON_LATENCY);
    // Only a rate that was used proves anything: a window held back by the in-flight bound or the end
    // of the fleet says nothing about a faster one.
    if (launched < 0.5 * ((this.#rate * this.#everyMs) / 1000)) return;
    this.#rate = Math.min(this.#maxRate, this.#slowStart ? this.#rate * 2 : this.#rate + this.#additive);
  }

  #backOff(factor: number): void {
    this.#slowStart = false;
    this.#backoffs++;
    this.#lastBackoff = this.#now();
    this.#rate = Math.max(this.#minRate, this.#rate * factor);
  }
}
