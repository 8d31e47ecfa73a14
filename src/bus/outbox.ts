import type { RouteName } from './payloads.js';

/**
 * The bounded outgoing queue used while the broker is away (docs/failure-behaviour.md): status and
 * health "latest wins", sensor readings and events first-in-first-out with their original timestamps,
 * acknowledgements kept before anything else. When full, the oldest droppable message goes and is
 * counted per route.
 */
export interface OutgoingMessage {
  route: RouteName;
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
}

const LATEST_WINS: ReadonlySet<RouteName> = new Set(['status', 'health', 'availability']);
/** Dropped first when the queue is full, in this order. */
const DROP_ORDER: readonly RouteName[] = ['health', 'error', 'sensor', 'event', 'status', 'ack'];

export class Outbox {
  #items: OutgoingMessage[] = [];
  readonly #dropped = new Map<RouteName, number>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('outbox capacity must be at least 1');
  }

  get size(): number {
    return this.#items.length;
  }

  push(message: OutgoingMessage): void {
    if (LATEST_WINS.has(message.route)) {
      const i = this.#items.findIndex((m) => m.route === message.route && m.topic === message.topic);
      // Superseded, not lost: the newer message says all the older one did.
      if (i >= 0) this.#items.splice(i, 1);
    }
    if (this.#items.length >= this.capacity) this.#dropOne(message.route);
    if (this.#items.length < this.capacity) this.#items.push(message);
  }

  /** Takes every queued message, oldest first. */
  drain(): OutgoingMessage[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** Puts messages back at the front (a flush that failed half-way). */
  unshift(messages: OutgoingMessage[]): void {
    this.#items = [...messages, ...this.#items];
    while (this.#items.length > this.capacity) this.#dropOne(undefined);
  }

  /** Drops so far, per route; `take` resets them (they have been reported). */
  drops(take = false): Record<string, number> {
    const out = Object.fromEntries(this.#dropped);
    if (take) this.#dropped.clear();
    return out;
  }

  #dropOne(incoming: RouteName | undefined): void {
    for (const route of DROP_ORDER) {
      const i = this.#items.findIndex((m) => m.route === route);
      if (i >= 0) {
        this.#items.splice(i, 1);
        this.#count(route);
        return;
      }
    }
    // Only acknowledgements left: the newest message is the one that does not fit.
    if (incoming) this.#count(incoming);
  }

  #count(route: RouteName): void {
    this.#dropped.set(route, (this.#dropped.get(route) ?? 0) + 1);
  }
}
