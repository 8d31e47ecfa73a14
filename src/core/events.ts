import { EventEmitter } from 'node:events';

/**
 * A typed EventEmitter: `TypedEmitter<{ status: [StatusReport] }>` gives `on('status', (r) => …)` with
 * `r` typed. Node's generic EventEmitter does the work; this only narrows its signatures.
 */
export type EventMap = Record<string, unknown[]>;

export class TypedEmitter<E extends EventMap> {
  readonly #emitter = new EventEmitter();
  constructor() {
    // Many observers (bridge, harness, live view, tests) may listen to one link.
    this.#emitter.setMaxListeners(100);
  }
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    return this.#emitter.emit(event, ...args);
  }
  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#emitter.listenerCount(event);
  }
  removeAllListeners(): this {
    this.#emitter.removeAllListeners();
    return this;
  }
}
