/** What the runner drives: anything that executes cycles and counts them monotonically. */
export interface Steppable {
  step(cycles: number): void;
  readonly cycles: number;
}

export interface RunOptions {
  /**
   * Pacing: 1 = real time (sleeps while ahead of the wall clock), N = N× real time, Infinity (the
   * default) = unpaced, as fast as the host allows, yielding with setImmediate between batches.
   */
  speed?: number;
  /** Largest batch in cycles (default 100 000, about 6 ms simulated); paced batches are ≤ 2 ms wall. */
  batchCycles?: number;
  /**
   * Paced modes only: how far (wall ms) the simulation may fall behind before the lag is forgiven
   * instead of caught up (default 250 ms; JIT warm-up lags about 90 ms right after boot).
   */
  maxLagMs?: number;
}

const PACED_BATCH_MS = 2;
/**
 * Paced batches end this far (wall ms) ahead of the wall clock, so the next look finds the board ahead
 * and sleeps. Catching up only to "now" would find it behind again by the time the batch ended, and the
 * loop would spin in tiny batches without ever sleeping.
 */
const PACED_LEAD_MS = 1;
const MHZ_WINDOW_MS = 250;

/**
 * Runs a board in batches off the event loop. Paced modes compare simulated time with the wall clock
 * before every batch: ahead → sleep with setTimeout, behind → run until a little ahead (PACED_LEAD_MS).
 * Measures simulated MHz (cycles per wall second) over 250 ms windows.
 */
export class BoardRunner {
  #running = false;
  #speed = Infinity;
  #batch = 100_000;
  #maxLagCycles = 0;
  #originWall = 0;
  #originCycles = 0;
  #startWall = 0;
  #startCycles = 0;
  #sampleWall = 0;
  #sampleCycles = 0;
  #mhz: number | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #timeout: NodeJS.Timeout | undefined;
  readonly #batchListeners = new Set<() => void>();

  constructor(
    readonly target: Steppable,
    readonly hz: number,
  ) {}

  get running(): boolean {
    return this.#running;
  }
  get speed(): number {
    return this.#speed;
  }
  /** Simulated MHz over the last window while running; undefined until the first window closes. */
  get mhz(): number | undefined {
    return this.#mhz;
  }
  /**
   * How far (wall ms) board time is behind the wall clock against the pacing origin (0 when ahead,
   * unpaced or stopped). The origin moves only when a lag beyond `maxLagMs` is forgiven, or on start().
   */
  get lagMs(): number {
    if (!this.#running || !Number.isFinite(this.#speed)) return 0;
    const cyclesPerWallMs = (this.hz * this.#speed) / 1000;
    const behind = this.#originCycles + (performance.now() - this.#originWall) * cyclesPerWallMs - this.target.cycles;
    return Math.max(0, behind / cyclesPerWallMs);
  }
  /** Simulated MHz since start(). */
  get averageMhz(): number | undefined {
    const wall = performance.now() - this.#startWall;
    if (!this.#running || wall <= 0) return undefined;
    return (this.target.cycles - this.#startCycles) / wall / 1000;
  }

  start(options: RunOptions = {}): void {
    const speed = options.speed ?? Infinity;
    if (!(speed > 0)) throw new RangeError(`speed must be > 0 (Infinity = unpaced), got ${speed}`);
    this.stop();
    this.#speed = speed;
    this.#batch = Math.max(1, Math.round(options.batchCycles ?? 100_000));
    this.#maxLagCycles = ((options.maxLagMs ?? 250) * this.hz * speed) / 1000;
    const now = performance.now();
    this.#originWall = this.#startWall = this.#sampleWall = now;
    this.#originCycles = this.#startCycles = this.#sampleCycles = this.target.cycles;
    this.#mhz = undefined;
    this.#running = true;
    this.#immediate = setImmediate(this.#loop);
  }

  stop(): void {
    const wasRunning = this.#running;
    this.#running = false;
    if (this.#immediate) clearImmediate(this.#immediate);
    if (this.#timeout) clearTimeout(this.#timeout);
    this.#immediate = this.#timeout = undefined;
    if (wasRunning) for (const fn of this.#batchListeners) fn();
  }

  /** Calls `fn` after every batch and once on stop(); returns the unsubscribe function. */
  onBatch(fn: () => void): () => void {
    this.#batchListeners.add(fn);
    return () => this.#batchListeners.delete(fn);
  }

  readonly #loop = (): void => {
    this.#immediate = this.#timeout = undefined;
    if (!this.#running) return;
    const now = performance.now();
    const { target } = this;
    if (Number.isFinite(this.#speed)) {
      const cyclesPerWallMs = (this.hz * this.#speed) / 1000;
      let behind = this.#originCycles + (now - this.#originWall) * cyclesPerWallMs - target.cycles;
      if (behind > this.#maxLagCycles) {
        // Too far behind (host stalled): forgive the lag rather than racing to catch up.
        this.#originWall = now;
        this.#originCycles = target.cycles;
        behind = 0;
      }
      if (behind < 1) {
        const sleepMs = Math.max(1, (1 - behind) / cyclesPerWallMs);
        this.#timeout = setTimeout(this.#loop, sleepMs);
        return;
      }
      const lead = PACED_LEAD_MS * cyclesPerWallMs;
      target.step(Math.min(Math.ceil(behind + lead), Math.ceil(PACED_BATCH_MS * cyclesPerWallMs), this.#batch));
    } else {
      target.step(this.#batch);
    }
    this.#measure();
    for (const fn of this.#batchListeners) fn();
    if (this.#running) this.#immediate = setImmediate(this.#loop);
  };

  #measure(): void {
    const now = performance.now();
    const wall = now - this.#sampleWall;
    if (wall < MHZ_WINDOW_MS) return;
    this.#mhz = (this.target.cycles - this.#sampleCycles) / wall / 1000;
    this.#sampleWall = now;
    this.#sampleCycles = this.target.cycles;
  }
}
