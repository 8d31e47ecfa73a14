import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock, Timer } from '../../environment/clock.js';
import type { StatusString } from '../../home/types.js';
import { boardErrorToBridgeError, encodeHostLine } from './line-codec.js';
import { MAX_LINE_ID, type BoardLine, type HostLine } from './line-types.js';

/**
 * Host requests in flight: one at a time, each with its own id, acknowledged or timed out.
 *
 * Retries resend the same bytes with the same id. That is safe because every host line is
 * idempotent on the board: GET, PING and CFG change nothing, and SET applies the merge of
 * docs/home-behaviour.md §1.2, for which merge(merge(s, c), c) = merge(s, c) — a SET that arrives
 * twice (its first ACK lost) leaves the same status as one. Keeping the id means a late ACK of an
 * earlier attempt completes the request; ids differ between requests, so an ACK that arrives after
 * its request gave up can never complete the next one (it is counted as stale).
 */
export type TrackedLine =
  | { type: 'set'; command: StatusString }
  | { type: 'get' }
  | { type: 'ping' }
  | { type: 'build' };
export type BoardReply = Extract<BoardLine, { type: 'ack' | 'error' }>;

export interface RequestTrackerOptions {
  clock: Clock;
  ackTimeoutMs: number;
  retries: number;
  /** Writes one encoded line (terminator included). */
  write: (bytes: string) => Promise<void>;
}

export interface TrackerCounters {
  sent: number;
  retries: number;
  timeouts: number;
  staleReplies: number;
}

interface Pending {
  line: TrackedLine;
  id: number;
  bytes: string;
  attempts: number;
  timer: Timer | undefined;
  resolve: (status: StatusString) => void;
  reject: (error: BridgeError) => void;
}

export class RequestTracker {
  readonly #o: RequestTrackerOptions;
  readonly #queue: Pending[] = [];
  #current: Pending | undefined;
  #nextId = 1;
  readonly counters: TrackerCounters = { sent: 0, retries: 0, timeouts: 0, staleReplies: 0 };

  constructor(options: RequestTrackerOptions) {
    this.#o = options;
  }

  /** Sends a line and resolves with the status in its ACK; rejects with the board's error or LINK_TIMEOUT. */
  request(line: TrackedLine): Promise<StatusString> {
    return new Promise((resolve, reject) => {
      const id = this.#takeId();
      // Encoding validates every field: nothing handed in can add a terminator or a second command.
      const bytes = encodeHostLine({ ...line, id } as HostLine);
      this.#queue.push({ line, id, bytes, attempts: 0, timer: undefined, resolve, reject });
      this.#next();
    });
  }

  /** Hands over an ACK or ERR; returns false when it answers nothing in flight (a late duplicate). */
  settle(reply: BoardReply): boolean {
    const p = this.#current;
    if (p === undefined || p.id !== reply.id) {
      this.counters.staleReplies++;
      return false;
    }
    this.#finish(p);
    if (reply.type === 'ack') p.resolve(reply.status);
    else p.reject(boardErrorToBridgeError(reply));
    this.#next();
    return true;
  }

  /** Rejects everything in flight and queued (the port closed, or the link stops). */
  cancelAll(error: BridgeError): void {
    const all = [...(this.#current ? [this.#current] : []), ...this.#queue.splice(0)];
    if (this.#current) this.#finish(this.#current);
    for (const p of all) p.reject(error);
  }

  get busy(): boolean {
    return this.#current !== undefined || this.#queue.length > 0;
  }

  #takeId(): number {
    const id = this.#nextId;
    this.#nextId = id >= MAX_LINE_ID ? 1 : id + 1;
    return id;
  }

  #next(): void {
    if (this.#current !== undefined) return;
    const p = this.#queue.shift();
    if (p === undefined) return;
    this.#current = p;
    this.#send(p);
  }

  #send(p: Pending): void {
    p.attempts++;
    this.counters.sent++;
    p.timer = this.#o.clock.setTimer(this.#o.ackTimeoutMs, () => this.#onTimeout(p));
    // A failed write is not final: the ack timer still runs and the line is sent again.
    this.#o.write(p.bytes).catch(() => undefined);
  }

  #onTimeout(p: Pending): void {
    if (this.#current !== p) return;
    if (p.attempts <= this.#o.retries) {
      this.counters.retries++;
      this.#send(p);
      return;
    }
    this.counters.timeouts++;
    this.#finish(p);
    p.reject(
      new BridgeError(
        ErrorCode.LINK_TIMEOUT,
        `the board did not acknowledge ${describe(p.line)} (id ${p.id.toString(16).toUpperCase()}): ` +
          `${p.attempts} attempts of ${this.#o.ackTimeoutMs} ms`,
        { id: p.id, attempts: p.attempts, ackTimeoutMs: this.#o.ackTimeoutMs },
      ),
    );
    this.#next();
  }

  #finish(p: Pending): void {
    this.#o.clock.clearTimer(p.timer);
    p.timer = undefined;
    if (this.#current === p) this.#current = undefined;
  }
}

function describe(line: TrackedLine): string {
  return line.type === 'set' ? `SET ${line.command}` : line.type.toUpperCase();
}
