/** Wakes waiters when something changed; a waiter gives up after a wall-clock timeout. */
export class Signal {
  #waiters: (() => void)[] = [];

  notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves true on the next notify, false after `wallMs`. */
  wait(wallMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(
        () => {
          this.#waiters = this.#waiters.filter((w) => w !== done);
          resolve(false);
        },
        Math.max(0, wallMs),
      );
      this.#waiters.push(done);
    });
  }

  /** Resolves on the next notify or when `other` settles, whichever is first (nothing is left behind). */
  waitOr(other: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== done);
        resolve();
      };
      this.#waiters.push(done);
      other.then(done, done);
    });
  }

  /** Waits until `ready()` holds, re-checking on each notify; false if `wallMs` pass first. */
  async until(ready: () => boolean, wallMs: number): Promise<boolean> {
    const deadline = performance.now() + wallMs;
    while (!ready()) {
      const left = deadline - performance.now();
      if (left <= 0) return false;
      await this.wait(left);
    }
    return true;
  }
}

export const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));
export const sleep = (wallMs: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, wallMs)));
