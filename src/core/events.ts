/**
 * A typed event emitter: `TypedEmitter<{ status: [StatusReport] }>` gives `on('status', (r) => …)` with
 * `r` typed. Node's EventEmitter semantics where they matter here: listeners run in the order added,
 * a listener added or removed during an emit does not change that emit, `once` listeners can be
 * removed by the function given, and an `error` emitted with no listener throws.
 *
 * Not Node's EventEmitter underneath: a fleet holds a few emitters per home for a hundred thousand
 * homes, and Node's keeps each emitter's listeners in a dictionary-mode object of some 300 bytes
 * (heap snapshot, bench/heap-per-home.ts).
 */
export type EventMap = Record<string, unknown[]>;

type Listener = (...args: unknown[]) => void;

/** A `once` listener: the wrapper that removes itself, remembering the function it was given. */
interface OnceWrapper {
  (...args: unknown[]): void;
  listener: Listener;
}

/** The listeners of an emitter nobody listens to (shared: no allocation until the first `on`). */
const NONE: readonly unknown[] = [];

export class TypedEmitter<E extends EventMap> {
  /**
   * Every listener as a pair of slots, event name then function, in the order added. The array is
   * replaced, never changed, when a listener comes or goes, so an emit runs the set it began with
   * (`concat` makes it exactly as long as needed; a spread leaves room to grow). An
   * emitter has a handful of listeners: a scan of a few slots is as quick as a lookup, and the pairs take
   * 16 bytes a listener where a Map or Node's dictionary takes ~300 bytes an emitter.
   */
  #listeners: readonly unknown[] = NONE;

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#listeners = this.#listeners.concat(event, listener);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    const wrapper = ((...args: unknown[]) => {
      this.#remove(event, wrapper);
      (listener as Listener)(...args);
    }) as OnceWrapper;
    wrapper.listener = listener as Listener;
    this.#listeners = this.#listeners.concat(event, wrapper);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#remove(event, listener as Listener);
    return this;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const list = this.#listeners;
    let called = false;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] !== event) continue;
      called = true;
      (list[i + 1] as Listener)(...args);
    }
    if (!called && event === 'error')
      throw args[0] instanceof Error ? args[0] : new Error(`unhandled error event: ${String(args[0])}`);
    return called;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    let n = 0;
    for (let i = 0; i < this.#listeners.length; i += 2) if (this.#listeners[i] === event) n++;
    return n;
  }

  removeAllListeners(): this {
    this.#listeners = NONE;
    return this;
  }

  /** Removes the last registration of `listener` (or of a `once` wrapper of it), as Node's does. */
  #remove(event: string, listener: Listener): void {
    const list = this.#listeners;
    for (let i = list.length - 2; i >= 0; i -= 2) {
      const l = list[i + 1] as Partial<OnceWrapper>;
      if (list[i] === event && (l === listener || l.listener === listener)) {
        this.#listeners = list.length === 2 ? NONE : list.slice(0, i).concat(list.slice(i + 2));
        return;
      }
    }
  }
}
