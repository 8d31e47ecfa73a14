import { BridgeError, ErrorCode } from '../core/errors.js';

export interface ConnectWatchOptions {
  clientId: string;
  /** The broker URL without its password (for messages). */
  url: string;
  /** Consecutive attempts closed without CONNACK, before any connection, that make a configuration error. */
  refusedAfter?: number;
  /** Sessions shorter than this, ended by the broker, count as takeovers. */
  shortSessionMs?: number;
  /** Takeovers in a row that make a conflict. */
  takeoversToConflict?: number;
  /** How long the client waits for CONNACK (mqtt.js connectTimeout), for the message about a silent port. */
  connectTimeoutMs?: number;
  now?: () => number;
}

export type ConnectVerdict =
  /** Fatal: the broker does not answer CONNECT on this port. */
  | { kind: 'refused'; error: BridgeError }
  /** After a successful connection once: an attempt closed without CONNACK (log it; `count` in a row). */
  | { kind: 'unanswered'; count: number; reason: string }
  /** Another client keeps taking over our client id (report it on the bus). */
  | { kind: 'conflict'; error: BridgeError };

interface Attempt {
  opened: boolean;
  connackAt: number | undefined;
  /** When the socket opened (a silent port is told by how long it has said nothing). */
  openedAt: number | undefined;
  /** A parser error before CONNACK: the port answered, but not with MQTT. */
  protocolError: string | undefined;
  /** No CONNACK within the connect timeout: the port accepted the connection and said nothing. */
  silent: boolean;
  /** The socket failed after CONNACK (reset, keepalive timeout): not a takeover. */
  sessionError: boolean;
  /** We ended it (stop, PUBACK watchdog): not a takeover. */
  byUs: boolean;
}

const fresh = (): Attempt => ({
  opened: false,
  openedAt: undefined,
  connackAt: undefined,
  protocolError: undefined,
  silent: false,
  sessionError: false,
  byUs: false,
});

/** mqtt.js's error when no CONNACK came within connectTimeout. */
const CONNACK_TIMEOUT = 'connack timeout';

/**
 * Reads the story of a bridge's connection attempts and sessions, and says when it means something the
 * broker will never say outright (docs/rabbitmq.md §3):
 *
 * - **Refused without CONNACK.** RabbitMQ answers an MQTT 5 (or otherwise unparseable) CONNECT by
 *   closing the socket; a port that speaks another protocol (AMQP on 5672) answers with bytes that are
 *   not MQTT. mqtt.js then retries forever without saying why. Before the first successful connection,
 *   a few such attempts in a row are a configuration error (fatal). After one, the port evidently
 *   speaks MQTT, so they are transient (a relay whose upstream is away, a broker going down) and only
 *   logged.
 * - **Client id shared by two running bridges.** Every broker lets the newer CONNECT with an id win
 *   and drops the older connection; two auto-reconnecting bridges knock each other off about once per
 *   reconnect period. A few short sessions in a row, each ended by the broker without an error and each
 *   followed at once by a successful reconnect (no failed attempt between: a broker outage has those),
 *   are reported as a conflict, once per episode; a long session ends the episode.
 *
 * Pure bookkeeping: the bus client feeds it events; wall time through `now`.
 */
export class ConnectWatch {
  readonly #o: Required<Omit<ConnectWatchOptions, 'now'>>;
  readonly #now: () => number;
  #attempt: Attempt = fresh();
  #everConnected = false;
  #unanswered = 0;
  #takeovers = 0;
  /** The episode began by a takeover of a long session: this client held the id before the other. */
  #heldTheId = false;
  #conflictReported = false;
  /** Takeovers seen in all (health, tests). */
  takeoversTotal = 0;

  constructor(options: ConnectWatchOptions) {
    this.#o = {
      clientId: options.clientId,
      url: options.url,
      refusedAfter: options.refusedAfter ?? 3,
      shortSessionMs: options.shortSessionMs ?? 10_000,
      takeoversToConflict: options.takeoversToConflict ?? 3,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    };
    this.#now = options.now ?? (() => performance.now());
  }

  /** The TCP (or TLS) connection of the current attempt is established. */
  socketOpened(): void {
    this.#attempt.opened = true;
    this.#attempt.openedAt = this.#now();
  }

  /**
   * Why the current attempt has no CONNACK yet, if its socket is open and silent: a port that accepts
   * TCP and never answers says nothing an error could carry.
   */
  silentFor(): string | undefined {
    const a = this.#attempt;
    if (a.openedAt === undefined || a.connackAt !== undefined || a.protocolError !== undefined) return undefined;
    return `no answer to CONNECT within ${seconds(this.#now() - a.openedAt)} s`;
  }

  connack(): void {
    this.#attempt.connackAt = this.#now();
    this.#everConnected = true;
    this.#unanswered = 0;
  }

  /** An error on the current attempt; `network` when it carries a socket error code (ECONNRESET, …). */
  error(message: string, network: boolean): void {
    const a = this.#attempt;
    if (a.connackAt !== undefined) a.sessionError = true;
    else if (message === CONNACK_TIMEOUT) a.silent = true;
    else if (!network) a.protocolError ??= message;
  }

  /** The bridge itself is dropping the connection (clean stop, forced reconnect). */
  closingOurselves(): void {
    this.#attempt.byUs = true;
  }

  /** The current attempt or session has ended; the next one starts fresh. */
  closed(): ConnectVerdict | undefined {
    const a = this.#attempt;
    this.#attempt = fresh();
    if (a.connackAt !== undefined) return this.#sessionEnded(a);
    if (!a.opened && a.protocolError === undefined) {
      // Unreachable (refused, no route): a broker outage, not a takeover and not a protocol problem.
      this.#unanswered = 0;
      this.#endEpisode();
      return undefined;
    }
    if (a.byUs) return undefined;
    this.#unanswered++;
    this.#endEpisode();
    const reason = a.silent
      ? `no answer to CONNECT within ${seconds(this.#o.connectTimeoutMs)} s: the port accepts connections but ` +
        'says nothing (a firewall, a proxy, or a service that waits for the client to speak something other than ' +
        'MQTT)'
      : a.protocolError
        ? `the broker answered CONNECT with something that is not MQTT (${a.protocolError}): is this the MQTT ` +
          'port (1883), not AMQP (5672) or HTTP?'
        : 'the broker closed the connection without answering CONNECT: it may not speak MQTT 3.1.1 on this port, ' +
          'or refused the protocol';
    if (!this.#everConnected && this.#unanswered >= this.#o.refusedAfter) {
      return {
        kind: 'refused',
        error: new BridgeError(ErrorCode.BROKER_REFUSED, `${this.#o.url}: ${reason} (${this.#unanswered} attempts)`, {
          attempts: this.#unanswered,
          ...(a.protocolError ? { protocolError: a.protocolError } : {}),
        }),
      };
    }
    return { kind: 'unanswered', count: this.#unanswered, reason };
  }

  #sessionEnded(a: Attempt): ConnectVerdict | undefined {
    const lengthMs = this.#now() - a.connackAt!;
    if (a.byUs || a.sessionError || lengthMs >= this.#o.shortSessionMs) {
      this.#endEpisode();
      // A long session taken over: this client held the id first. It gives the newcomer two more
      // takeovers to notice the conflict, so the one that stops is the one that came second and the
      // home that was serving goes on serving.
      this.#heldTheId = !a.byUs && !a.sessionError;
      return undefined;
    }
    // The first session of a run of takeovers that had lasted a while (longer than a reconnect takes)
    // was this client's before the other came: it held the id.
    if (this.#takeovers === 0 && lengthMs >= HELD_SESSION_MS) this.#heldTheId = true;
    this.#takeovers++;
    this.takeoversTotal++;
    const needed = this.#o.takeoversToConflict + (this.#heldTheId ? 2 : 0);
    if (this.#takeovers < needed || this.#conflictReported) return undefined;
    this.#conflictReported = true;
    const id = this.#o.clientId;
    return {
      kind: 'conflict',
      error: new BridgeError(
        ErrorCode.CLIENT_ID_CONFLICT,
        `the broker ${this.#o.url} keeps closing this connection right after it is made (${this.#takeovers} ` +
          `times in a row, each within ${Math.round(this.#o.shortSessionMs / 1000)} s): another client is ` +
          `probably connected with the same client id "${id}" and every connect of one knocks the other off. ` +
          'This one stops trying, so the other keeps the id. Give each bridge its own id with --client-id (e.g. ' +
          `--client-id ${suggestId(id)}, or devices.json bus.clientId); never PSW_Arduino unless replacing that ` +
          'board.',
        { clientId: id, takeovers: this.#takeovers },
      ),
    };
  }

  #endEpisode(): void {
    this.#takeovers = 0;
    this.#heldTheId = false;
    this.#conflictReported = false;
  }
}

/**
 * A session that a takeover ends after this long was held before the other client came: a client knocked
 * off by the other's reconnect loses its session within the reconnect period (about 1 s).
 */
const HELD_SESSION_MS = 2_000;

/** A different id to suggest: the same name with a short suffix. */
function suggestId(id: string): string {
  return `${id}-2`;
}

const seconds = (ms: number): string => String(Math.max(0, Math.round(ms / 100) / 10));

/** The parts of an mqtt.js client the watch follows (its current socket, and each reconnect). */
interface ClientSockets {
  readonly stream: unknown;
  on(event: 'reconnect', listener: () => void): unknown;
}

/**
 * Tells the watch when each attempt's socket opens. mqtt.js makes a new socket for every attempt: the
 * first in its constructor, each later one synchronously right after emitting `reconnect` (so it is in
 * place one microtask later). Not a per-packet listener: this runs once per attempt. A socket missed
 * (mqtt.js ending a live connection before reconnecting) only makes that attempt look unreachable,
 * which never leads to a verdict.
 */
export function followSockets(client: ClientSockets, watch: ConnectWatch): void {
  const seen = new WeakSet<object>();
  const follow = (stream: unknown): void => {
    const s = stream as { once?: (event: string, fn: () => void) => void } | undefined;
    if (!s || typeof s.once !== 'function' || seen.has(s)) return;
    seen.add(s);
    const opened = (): void => watch.socketOpened();
    s.once('connect', opened);
    s.once('secureConnect', opened);
  };
  follow(client.stream);
  client.on('reconnect', () => queueMicrotask(() => follow(client.stream)));
}
