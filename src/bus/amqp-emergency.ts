import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { redactUrl } from './client.js';
import { excerpt } from './payloads.js';

/**
 * Listens for emergency broadcasts on the AMQP fanout exchange (`webos.fanout`, devices.json
 * `emergency.exchange`). A fanout exchange never reaches MQTT subscribers (their queues are bound to
 * `webos.topic` only; docs/rabbitmq.md §2), so the bridge holds an AMQP connection of its own: an
 * exclusive, auto-delete, server-named queue bound to the exchange, which needs no change on the broker
 * and vanishes with the bridge (docs/bus.md, "Emergency broadcasts").
 *
 * The exchange is checked passively first: the bridge never declares broker topology. A lost connection
 * is reconnected with a doubling backoff; every failure is logged, and each new kind of failure is
 * reported once through `problem`. Nothing amqplib does can throw out of here.
 */
export interface EmergencyListenerOptions {
  /** amqp://user:pass@host:5672/vhost */
  url: string;
  exchange: string;
  logger: Logger;
  /** First reconnect delay; doubles up to maxBackoffMs (defaults 1 s and 30 s). */
  minBackoffMs?: number | undefined;
  maxBackoffMs?: number | undefined;
  /** TCP connect timeout (default 10 s). */
  connectTimeoutMs?: number | undefined;
}

export interface EmergencyMessage {
  exchange: string;
  routingKey: string;
  /** The start of the message body, escaped, for logs and the event report. */
  text: string;
}

export interface EmergencyListenerEvents {
  [event: string]: unknown[];
  emergency: [EmergencyMessage];
  /** Consuming (again). */
  consuming: [];
  /** A failure to report on the bus (once per kind until the listener consumes again). */
  problem: [BridgeError];
}

/** Why the listener is not consuming, for the report's context. */
type Failure = 'exchange-missing' | 'access-refused' | 'unreachable' | 'lost';

export class AmqpEmergencyListener extends TypedEmitter<EmergencyListenerEvents> {
  readonly #o: EmergencyListenerOptions;
  readonly #log: Logger;
  readonly #url: string;
  #conn: ChannelModel | undefined;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs: number;
  #stopped = false;
  #consuming = false;
  #reported: Failure | undefined;
  readonly counters = { messages: 0, connects: 0, failures: 0 };

  constructor(options: EmergencyListenerOptions) {
    super();
    this.#o = options;
    this.#log = options.logger;
    this.#url = withHeartbeat(options.url);
    this.#backoffMs = options.minBackoffMs ?? 1000;
  }

  get consuming(): boolean {
    return this.#consuming;
  }

  /** Makes the first attempt; resolves when it has succeeded or failed (then retries in the background). */
  async start(): Promise<void> {
    await this.#attempt();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#consuming = false;
    const conn = this.#conn;
    this.#conn = undefined;
    await conn?.close().catch(() => undefined);
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    const { exchange } = this.#o;
    let conn: ChannelModel | undefined;
    try {
      conn = await amqp.connect(this.#url, { timeout: this.#o.connectTimeoutMs ?? 10_000 });
      if (this.#stopped) {
        await conn.close().catch(() => undefined);
        return;
      }
      this.#conn = conn;
      const own = conn;
      own.on('error', (e: Error) => this.#log.warn({ err: e.message }, 'AMQP connection error'));
      own.on('close', () => this.#lost(own));
      const ch: Channel = await own.createChannel();
      // A channel the broker closes emits 'error'; without a listener that would throw.
      ch.on('error', (e: Error) => this.#log.debug({ err: e.message }, 'AMQP channel closed by the broker'));
      await ch.checkExchange(exchange).catch((e: Error) => {
        throw new BridgeError(
          ErrorCode.EMERGENCY_UNAVAILABLE,
          `the emergency exchange "${exchange}" does not exist on ${redactUrl(this.#o.url)} (${e.message}); ` +
            'the bridge never declares it: create it on the broker (a fanout exchange, as in scripts/rabbitmq ' +
            'definitions) or set devices.json emergency.exchange',
          { reason: 'exchange-missing' satisfies Failure, exchange },
        );
      });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      await ch.bindQueue(queue, exchange, '');
      await ch.consume(queue, (msg) => this.#onMessage(own, msg), { noAck: true, exclusive: true });
      this.counters.connects++;
      this.#consuming = true;
      this.#reported = undefined;
      this.#backoffMs = this.#o.minBackoffMs ?? 1000;
      this.#log.info({ url: redactUrl(this.#o.url), exchange, queue }, 'listening for emergency broadcasts');
      this.emit('consuming');
    } catch (e) {
      if (conn) {
        if (this.#conn === conn) this.#conn = undefined;
        conn.removeAllListeners('close');
        await conn.close().catch(() => undefined);
      }
      this.#fail(classify(e, this.#o.url, exchange));
    }
  }

  #onMessage(conn: ChannelModel, msg: ConsumeMessage | null): void {
    if (!msg) {
      // The broker cancelled the consumer (queue deleted): start over on a fresh connection.
      this.#log.warn('emergency queue cancelled by the broker; reconnecting');
      void conn.close().catch(() => undefined);
      return;
    }
    this.counters.messages++;
    const m: EmergencyMessage = {
      exchange: msg.fields.exchange,
      routingKey: msg.fields.routingKey,
      text: excerpt(msg.content, 200),
    };
    this.#log.warn({ exchange: m.exchange, routingKey: m.routingKey, text: m.text }, 'emergency broadcast received');
    try {
      this.emit('emergency', m);
    } catch (e) {
      this.#log.error({ err: (e as Error).message }, 'emergency handler failed');
    }
  }

  #lost(conn: ChannelModel): void {
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#consuming = false;
    if (this.#stopped) return;
    this.#fail(
      new BridgeError(
        ErrorCode.EMERGENCY_UNAVAILABLE,
        `AMQP connection to ${redactUrl(this.#o.url)} lost: emergency broadcasts are not received until it is back`,
        { reason: 'lost' satisfies Failure },
      ),
    );
  }

  #fail(err: BridgeError): void {
    if (this.#stopped) return;
    this.counters.failures++;
    const delay = this.#backoffMs;
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#o.maxBackoffMs ?? 30_000);
    this.#log.warn({ code: err.code, retryInMs: delay }, err.message);
    const reason = err.context['reason'] as Failure;
    if (this.#reported !== reason) {
      this.#reported = reason;
      this.emit('problem', err);
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#attempt(), delay);
  }
}

function classify(e: unknown, url: string, exchange: string): BridgeError {
  if (e instanceof BridgeError) return e;
  const err = e as Error & { code?: unknown };
  const text = err?.message ?? String(e);
  if (/ACCESS_REFUSED|403|auth|PLAIN login refused/i.test(text)) {
    return new BridgeError(
      ErrorCode.EMERGENCY_UNAVAILABLE,
      `AMQP ${redactUrl(url)} refused the login (${text}): check the user and password of --amqp-url (guest ` +
        'works only from loopback: loopback_users)',
      { reason: 'access-refused' satisfies Failure, exchange },
    );
  }
  return new BridgeError(
    ErrorCode.EMERGENCY_UNAVAILABLE,
    `cannot listen for emergency broadcasts on ${redactUrl(url)}: ${text}`,
    { reason: 'unreachable' satisfies Failure, exchange },
  );
}

/** Heartbeats every 10 s unless the URL says otherwise: a silently dead connection is noticed in ~20 s. */
function withHeartbeat(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('heartbeat')) u.searchParams.set('heartbeat', '10');
    return u.toString();
  } catch {
    return url;
  }
}

/**
 * The AMQP URL with the MQTT credentials filled in when it names no user of its own, so a password
 * need not sit in the process list (--username with $SMARTHOME_BRIDGE_PASSWORD or --password-file).
 */
export function amqpUrlWithCredentials(
  url: string,
  username: string | undefined,
  password: string | undefined,
): string {
  if (!username) return url;
  try {
    const u = new URL(url);
    if (u.username) return url;
    u.username = encodeURIComponent(username);
    if (password !== undefined) u.password = encodeURIComponent(password);
    return u.toString();
  } catch {
    return url;
  }
}
