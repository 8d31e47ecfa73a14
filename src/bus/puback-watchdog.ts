import { LatencyWindow } from '../core/latency.js';

export interface PubackWatchdogOptions {
  /** 0 disables the watchdog (latencies are still measured). */
  timeoutMs: number;
  onTimeout: (info: { oldestAgeMs: number; pending: number }) => void;
  now?: () => number;
}

/** One clock function for every watchdog, not a closure each. */
const wallNow = (): number => performance.now();

/**
 * Times QoS 1 publishes from hand-over to PUBACK. A connection whose oldest publish waits longer than
 * the timeout is declared dead (RabbitMQ leaves a QoS 1 connection open but silent after a channel
 * error, docs/rabbitmq.md §1, §3): `onTimeout` forces a reconnect, and the MQTT client sends the
 * unacknowledged publishes again on the new connection. Wall time on purpose: this measures the network
 * and the broker, not the home.
 */
export class PubackWatchdog {
  readonly #o: PubackWatchdogOptions;
  readonly #now: () => number;
  /** Hand-over times of unacknowledged QoS 1 publishes; made at the first (a QoS 0 fleet has none). */
  #sentAt: Map<number, number> | undefined;
  readonly latency = new LatencyWindow();
  #timer: NodeJS.Timeout | undefined;
  #armed = false;
  timeouts = 0;

  constructor(options: PubackWatchdogOptions) {
    this.#o = options;
    this.#now = options.now ?? wallNow;
  }

  /** Publishes handed over and not yet acknowledged. */
  get pending(): number {
    return this.#sentAt?.size ?? 0;
  }

  sent(key: number): void {
    this.#sentAt ??= new Map();
    if (!this.#sentAt.has(key)) this.#sentAt.set(key, this.#now());
  }

  acked(key: number): void {
    const t = this.#sentAt?.get(key);
    if (t === undefined) return;
    this.#sentAt!.delete(key);
    this.latency.add(this.#now() - t);
  }

  /** The publish was given back unsent: stop timing it. */
  forget(key: number): void {
    this.#sentAt?.delete(key);
  }

  /** A connection is up: what is pending is being sent again on it, so its clock starts now. */
  connected(): void {
    const now = this.#now();
    for (const key of this.#sentAt?.keys() ?? []) this.#sentAt!.set(key, now);
    this.#armed = true;
    if (this.#o.timeoutMs > 0 && !this.#timer) {
      this.#timer = setInterval(() => this.check(), Math.max(20, Math.floor(this.#o.timeoutMs / 4)));
      this.#timer.unref();
    }
  }

  /** The connection is down: nothing can be acknowledged until the next one. */
  disconnected(): void {
    this.#armed = false;
  }

  /** Checks now (the interval calls this; tests may too). */
  check(): void {
    if (!this.#armed || this.#o.timeoutMs <= 0) return;
    const oldest = this.#sentAt?.values().next();
    if (!oldest || oldest.done) return;
    const age = this.#now() - oldest.value;
    if (age < this.#o.timeoutMs) return;
    this.#armed = false;
    this.timeouts++;
    this.#o.onTimeout({ oldestAgeMs: Math.round(age), pending: this.pending });
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#armed = false;
  }
}
