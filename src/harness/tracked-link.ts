import { TypedEmitter } from '../core/events.js';
import type { StatusString } from '../home/types.js';
import type { Link, LinkEvents, LinkKind, LinkState } from '../links/link.js';

/**
 * A transparent wrapper that lets the harness know when the bridge's work on the link is done: it
 * counts calls in flight (apply, requestStatus) and events emitted. Everything else is the inner
 * link's; the bridge cannot tell the difference.
 */
export class TrackedLink extends TypedEmitter<LinkEvents> implements Link {
  readonly inner: Link;
  #inFlight = 0;
  #events = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(inner: Link) {
    super();
    this.inner = inner;
    const forward = <K extends keyof LinkEvents & string>(event: K) =>
      inner.on(event, (...args: LinkEvents[K]) => {
        this.#events++;
        this.emit(event, ...args);
      });
    forward('status');
    forward('sensor');
    forward('event');
    forward('error');
    forward('state');
  }

  get kind(): LinkKind {
    return this.inner.kind;
  }
  get state(): LinkState {
    return this.inner.state;
  }
  get status(): StatusString | undefined {
    return this.inner.status;
  }
  /** Events the link has emitted so far (any kind). */
  get eventCount(): number {
    return this.#events;
  }
  get inFlight(): number {
    return this.#inFlight;
  }

  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  apply(command: StatusString): Promise<StatusString> {
    return this.#track(() => this.inner.apply(command));
  }
  requestStatus(): Promise<StatusString> {
    return this.#track(() => this.inner.requestStatus());
  }
  counters(): Record<string, number> {
    return this.inner.counters();
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
