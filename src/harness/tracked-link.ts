import type { StatusString } from '../home/types.js';
import { DelegatingLink } from '../links/delegating-link.js';

/**
 * A transparent wrapper that lets the harness know when the bridge's work on the link is done: it
 * counts calls in flight (apply, requestStatus) and events emitted. Everything else is the inner
 * link's; the bridge cannot tell the difference.
 */
export class TrackedLink extends DelegatingLink {
  #inFlight = 0;
  #events = 0;
  #idleWaiters: (() => void)[] = [];

  /** Events the link has emitted so far (any kind). */
  get eventCount(): number {
    return this.#events;
  }
  get inFlight(): number {
    return this.#inFlight;
  }

  override apply(command: StatusString): Promise<StatusString> {
    return this.#track(() => this.inner.apply(command));
  }
  override requestStatus(): Promise<StatusString> {
    return this.#track(() => this.inner.requestStatus());
  }

  protected override onEvent(): void {
    this.#events++;
  }

  /** Resolves true once no call is in flight, false if that takes longer than `wallMs`. */
  whenIdle(wallMs: number): Promise<boolean> {
    if (this.#inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, wallMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.#idleWaiters.push(done);
    });
  }

  async #track<T>(call: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await call();
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  }
}
