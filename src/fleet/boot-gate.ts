/**
 * Lets at most `limit` tasks run at once and starts the others in order as those finish. The fleet
 * powers its emulated boards through one gate per thread: booting is the busiest time of a board (the
 * handshake's lines, the bridge's first reports), and a hundred boards powered in the same instant share
 * the CPU so evenly that every one of them takes as long as the whole batch. Powered a few at a time,
 * each board boots in about the time it needs alone, and the last is up no later than before. The first
 * task runs alone: it pays for what runs for the first time in the thread (V8 compiling the serial
 * link's and the bridge's code), which would otherwise slow every board that boots beside it.
 */
export class BootGate {
  readonly #limit: number;
  readonly #waiting: (() => void)[] = [];
  #running = 0;
  #settled = 0;

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError(`limit must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /** Tasks started and not yet settled. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a place. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Runs `task` once a place is free; settles as it settles (a rejection frees the place too). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#places()) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running++;
    try {
      return await task();
    } finally {
      this.#settled++;
      this.#running--;
      // Places pass straight to waiting tasks, so a task arriving meanwhile cannot overtake them.
      while (this.#waiting.length > 0 && this.#running < this.#places()) {
        this.#running++;
        this.#waiting.shift()!();
      }
    }
  }

  #places(): number {
    return this.#settled === 0 ? 1 : this.#limit;
  }
}
