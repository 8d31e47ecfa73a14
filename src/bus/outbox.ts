import { QUEUE_DEFAULTS } from '../core/routes.js';
import type { RouteName } from './payloads.js';

/**
 * Every report not yet confirmed by the broker (docs/failure-behaviour.md): the bounded queue used while
 * the broker is away, and the reports handed to the MQTT client but not yet acknowledged ("in flight").
 * Queue policy: routes in `latestWins` keep only their newest report per topic; everything else is
 * first-in-first-out with its original timestamp in the payload; when full, the oldest report of the
 * first route in `dropOrder` that has one goes, counted per route. With a store, every report of a
 * persisted route is journalled from the moment it enters until the broker confirms it, so a restart of
 * the bridge resumes where it stopped.
 */
export interface OutgoingMessage {
  route: RouteName;
  topic: string;
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  /** Assigned by the outbox: order of creation, and the journal key. */
  seq?: number;
  /** Set by the outbox while the MQTT client holds the report (handed over, not yet confirmed). */
  inFlight?: boolean;
}

/**
 * Where the outbox keeps its reports across a restart (OutboxStore, the --queue-file journal): what
 * it held at start, and every report added and removed since.
 */
export interface OutboxJournal {
  /** Reports left from the last run, oldest first. */
  readonly restored: readonly OutgoingMessage[];
  /** The sequence number the next report takes. */
  readonly nextSeq: number;
  add(message: OutgoingMessage): void;
  remove(seq: number): void;
  close(): void;
}

export interface OutboxPolicy {
  capacity: number;
  latestWins?: readonly RouteName[] | undefined;
  dropOrder?: readonly RouteName[] | undefined;
}

export const DEFAULT_LATEST_WINS: readonly RouteName[] = QUEUE_DEFAULTS.latestWins;
export const DEFAULT_DROP_ORDER: readonly RouteName[] = QUEUE_DEFAULTS.dropOrder;
/** Routes that describe the running process only: a restarted bridge says them afresh, so they are not journalled. */
const EPHEMERAL: ReadonlySet<RouteName> = new Set(['availability', 'health']);

export class Outbox {
  readonly capacity: number;
  /** A handful of routes: a list, not a Set per outbox (a fleet has one outbox per connection). */
  readonly #latestWins: readonly RouteName[];
  readonly #dropOrder: readonly RouteName[];
  readonly #store: OutboxJournal | undefined;
  #items: OutgoingMessage[] = [];
  /**
   * Reports handed to the MQTT client and not yet confirmed: a count, with the mark on each report. A Map
   * of them took one entry in and out per report, and its table, rebuilt every few reports and kept for
   * seconds, was most of what a fleet's reports left for the old generation's collector.
   */
  #inflight = 0;
  /** Drops per route, since start and since last reported; made at the first drop. */
  #dropped: Map<RouteName, number> | undefined;
  #unreported: Map<RouteName, number> | undefined;
  #seq: number;

  constructor(policy: OutboxPolicy | number, store?: OutboxJournal) {
    const p = typeof policy === 'number' ? { capacity: policy } : policy;
    if (!(p.capacity >= 1)) throw new RangeError('outbox capacity must be at least 1');
    this.capacity = p.capacity;
    this.#latestWins = p.latestWins ?? DEFAULT_LATEST_WINS;
    this.#dropOrder = p.dropOrder ?? DEFAULT_DROP_ORDER;
    this.#store = store;
    this.#seq = store?.nextSeq ?? 1;
    // Reports a previous run journalled and the broker never confirmed: first in line, oldest first.
    for (const m of store?.restored ?? []) this.#enqueue(m);
  }

  /** Reports waiting for the broker. */
  get size(): number {
    return this.#items.length;
  }

  /** Reports handed to the MQTT client, not yet confirmed. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Queues a report (bounded, by the policy). */
  push(message: OutgoingMessage): void {
    this.#journal(message);
    this.#enqueue(message);
  }

  /** Takes every queued report, oldest first; they are in flight until `settle` (or `requeue`). */
  drain(): OutgoingMessage[] {
    const items = this.#items;
    this.#items = [];
    for (const m of items) this.#hand(m);
    return items;
  }

  /**
   * Takes every queued report, oldest first, for another outbox to track (a gateway home's queue hands
   * its reports to the connection's): they leave this one entirely.
   */
  takeAll(): OutgoingMessage[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** A report handed straight to the MQTT client: in flight until `settle`. */
  track(message: OutgoingMessage): void {
    this.#journal(message);
    this.#hand(message);
  }

  #hand(message: OutgoingMessage): void {
    if (message.inFlight) return;
    message.inFlight = true;
    this.#inflight++;
  }

  /** Not in flight any more; false if it was not. */
  #takeBack(message: OutgoingMessage): boolean {
    if (!message.inFlight) return false;
    message.inFlight = false;
    this.#inflight--;
    return true;
  }

  /** The broker confirmed the report (PUBACK at QoS 1, written to the socket at QoS 0). */
  settle(message: OutgoingMessage): void {
    // Only a tracked report is in flight, and tracking numbered it.
    if (!this.#takeBack(message)) return;
    if (!EPHEMERAL.has(message.route)) this.#store?.remove(message.seq!);
  }

  /**
   * A report that can never be sent (one MQTT cannot carry): not in flight any more, out of the journal,
   * and counted with the drops of its route (the health report's `dropped.<route>`); not among those
   * reported on the bus as dropped while the broker was away.
   */
  discard(message: OutgoingMessage): void {
    this.#takeBack(message);
    this.#forget(message);
    this.#count(message.route, false);
  }

  /** The client gave a report back unsent: it goes to the front of the queue again, in order. */
  requeue(messages: OutgoingMessage[]): void {
    for (const m of messages) this.#takeBack(m);
    const back = [...messages].sort((a, b) => a.seq! - b.seq!);
    this.#items = [...back, ...this.#items];
    while (this.#items.length > this.capacity) {
      if (this.#dropOne(undefined)) continue;
      const last = this.#items.pop()!;
      this.#count(last.route);
      this.#forget(last);
    }
  }

  /** Drops since start, per route. */
  drops(): Record<string, number> {
    return Object.fromEntries(this.#dropped ?? []);
  }

  /** Drops since the last call (to report them once, when the broker is back). */
  takeUnreported(): Record<string, number> {
    const out = Object.fromEntries(this.#unreported ?? []);
    this.#unreported?.clear();
    return out;
  }

  /** Flushes and closes the journal; what is still queued or in flight stays in it for the next run. */
  close(): void {
    this.#store?.close();
  }

  #journal(message: OutgoingMessage): void {
    if (message.seq !== undefined) return;
    message.seq = this.#seq++;
    if (!EPHEMERAL.has(message.route)) this.#store?.add(message);
  }

  #enqueue(message: OutgoingMessage): void {
    if (this.#latestWins.includes(message.route)) {
      const i = this.#items.findIndex((m) => m.route === message.route && m.topic === message.topic);
      // Superseded, not lost: the newer report says all the older one did.
      if (i >= 0) this.#forget(this.#items.splice(i, 1)[0]!);
    }
    if (this.#items.length >= this.capacity) this.#dropOne(message.route);
    if (this.#items.length < this.capacity) this.#items.push(message);
    else this.#forget(message);
  }

  /**
   * Drops the oldest report of the first droppable route; false if there is none, or if the newcomer's
   * route comes before every queued one (a health report must not push out a queued status).
   */
  #dropOne(incoming: RouteName | undefined): boolean {
    for (const route of this.#dropOrder) {
      const i = this.#items.findIndex((m) => m.route === route);
      if (i >= 0) {
        this.#count(route);
        this.#forget(this.#items.splice(i, 1)[0]!);
        return true;
      }
      if (route === incoming) break;
    }
    // Nothing worth less is queued: the report that does not fit is the one that goes.
    if (incoming) this.#count(incoming);
    return false;
  }

  #forget(message: OutgoingMessage): void {
    if (message.seq !== undefined && !EPHEMERAL.has(message.route)) this.#store?.remove(message.seq);
  }

  /** A drop of `route`; `unreported`: also among those the bridge reports on the bus when it reconnects. */
  #count(route: RouteName, unreported = true): void {
    this.#dropped ??= new Map();
    this.#dropped.set(route, (this.#dropped.get(route) ?? 0) + 1);
    if (!unreported) return;
    this.#unreported ??= new Map();
    this.#unreported.set(route, (this.#unreported.get(route) ?? 0) + 1);
  }
}
