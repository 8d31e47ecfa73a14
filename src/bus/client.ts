import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import { Outbox, type OutboxPolicy, type OutgoingMessage } from './outbox.js';
import { OutboxStore } from './outbox-store.js';
import { PubackWatchdog } from './puback-watchdog.js';
import { ConnectWatch, followSockets } from './connect-watch.js';
import { useLeanConnack } from './mqtt-connack.js';
import { mqttLogOption } from './mqtt-log.js';
import { openSocket, socketTarget } from './socket-target.js';
import { qos0PublishFrame } from './publish-frame.js';
import type { TlsOptions } from './tls-options.js';

/**
 * The MQTT connection of one bridge: MQTT 3.1.1, a will, subscriptions renewed in every connect handler
 * (a RabbitMQ restart drops the bindings of the non-durable exchange, and mqtt.js skips its own
 * resubscribe when the broker says the session is present), a bounded outbox while the broker is away,
 * and broker refusals turned into clear, final errors instead of endless silent retries: CONNACK 4/5,
 * a CONNECT answered by a closed socket or by something that is not MQTT, and a client id that another
 * client keeps taking over (connect-watch.ts). An unreachable broker is retried with backoff and one
 * warning, not one per attempt.
 */
export interface BusClientOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  keepaliveS: number;
  subscriptions: { filter: string; qos: 0 | 1 }[];
  will?: { topic: string; payload: string; qos: 0 | 1; retain: boolean } | undefined;
  /** Called after every (re)connect, before the outbox is flushed: publish online state here. */
  onConnect?: (() => void) | undefined;
  outboxCapacity: number;
  /** Latest-wins routes and drop order of the outbox (devices.json bus.queue); capacity is outboxCapacity. */
  outboxPolicy?: Omit<OutboxPolicy, 'capacity'> | undefined;
  /** Journal of unconfirmed reports (--queue-file): they survive a restart of the bridge. */
  queueFile?: { path: string; fsyncIntervalMs: number } | undefined;
  /** A QoS 1 publish unacknowledged this long forces a reconnect (0 = off; default 10 s). */
  pubackTimeoutMs?: number | undefined;
  /** First wait between failed connection attempts; doubled per failure up to maxReconnectPeriodMs. */
  reconnectPeriodMs?: number | undefined;
  /** Longest wait between failed attempts (default 10 s). */
  maxReconnectPeriodMs?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** TLS material for mqtts:// (PEM text). */
  tls?: TlsOptions | undefined;
  logger: Logger;
}

export interface BusStats {
  counters: Record<string, number>;
  /** The --queue-file journal's counters (empty without one). */
  queueFile: Record<string, number>;
  /** Reports dropped, by route: from the full outbox, or one MQTT cannot carry. */
  drops: Record<string, number>;
  queueDepth: number;
  pubackLatencyMs: { p50: number; p99: number; count: number };
}

export interface BusClientEvents {
  [event: string]: unknown[];
  message: [topic: string, payload: Buffer];
  connected: [];
  disconnected: [];
  /** A connection attempt ended without CONNACK 0 (refused, closed, timed out); mqtt.js retries it. */
  attemptFailed: [reason: string];
  /** The broker refused us for good (bad credentials, not authorised, bad protocol, a client id in use): stop. */
  fatal: [BridgeError];
}

/**
 * The mqtt.js options of one connection: one literal holding every key mqtt.js's constructor would
 * otherwise add (it adds its missing defaults by computed-key stores, and past a dozen of those V8 turns
 * the object into a dictionary, ~1 KB per client), then the optional keys added by name (spreading them
 * in gives every client's options a map of its own, ~0.5 KB). A fleet holds one per home.
 */
export function clientOptions(
  o: Pick<
    BusClientOptions,
    'clientId' | 'keepaliveS' | 'reconnectPeriodMs' | 'connectTimeoutMs' | 'username' | 'password' | 'tls'
  >,
  will: BusClientOptions['will'],
): IClientOptions {
  const opts: IClientOptions = {
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: o.clientId,
    keepalive: o.keepaliveS,
    reschedulePings: true,
    clean: true,
    resubscribe: false,
    reconnectPeriod: o.reconnectPeriodMs ?? 1000,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    queueQoSZero: false,
    subscribeBatchSize: undefined,
    // mqtt-packet's number cache is 65,536 two-byte Buffers (~7 MiB of heap) made at the first packet
    // written, for the topic length and packet id of every publish; without it each is allocated young.
    // mqtt.js turns the cache off for the whole process (every client in it) when a client asks.
    writeCache: false,
    timerVariant: 'auto',
  };
  if (mqttLogOption.log) opts.log = mqttLogOption.log;
  if (o.username !== undefined) opts.username = o.username;
  if (o.password !== undefined) opts.password = o.password;
  if (will) opts.will = { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain };
  if (o.tls) {
    opts.ca = o.tls.ca;
    opts.cert = o.tls.cert;
    opts.key = o.tls.key;
    opts.rejectUnauthorized = o.tls.rejectUnauthorized;
  }
  return opts;
}

/**
 * An mqtt.js client for the URL. A plain TCP broker gets its socket from here, not from mqtt.connect,
 * which merges some ten keys of the parsed URL into the options (a dictionary again once it deletes
 * `path`) and keeps a second copy alive in its stream builder's closure: ~1.3 KB per connection, 13 MiB
 * for a fleet of 10,000 homes. TLS, WebSocket, credentials in the URL and SOCKS stay mqtt.connect's.
 */
export function newMqttClient(url: string, opts: IClientOptions): MqttClient {
  const target = socketTarget(url, undefined);
  if (!target || target.tls) return mqtt.connect(url, opts);
  return new MqttClient(() => openSocket(target), opts);
}

// Every client of a fleet would otherwise turn into a dictionary at its first CONNACK (mqtt-connack.ts).
useLeanConnack();

const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'client identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorised',
};

export class BusClient extends TypedEmitter<BusClientEvents> {
  readonly #options: BusClientOptions;
  readonly #log: Logger;
  readonly outbox: Outbox;
  readonly queueFile: OutboxStore | undefined;
  readonly puback: PubackWatchdog;
  #client: MqttClient | undefined;
  #watch: ConnectWatch | undefined;
  #connected = false;
  #closing = false;
  /** Why the last attempt failed (for "waiting for broker" and the CLI's --connect-timeout). */
  #lastProblem: string | undefined;
  /** Failed attempts since the last connection: the backoff and the rate of warnings follow it. */
  #failures = 0;
  /** The reason last logged above debug (a new reason is worth a warning). */
  #loggedReason: string | undefined;
  readonly counters = { messagesIn: 0, messagesOut: 0, reconnects: 0, connects: 0 };
  /** Messages published, per route (the panel's /metrics). */
  readonly sentByRoute: Partial<Record<OutgoingMessage['route'], number>> = {};
  /** QoS 0 reports written to a full socket, settled when it drains. */
  #awaitingDrain: OutgoingMessage[] | undefined;

  constructor(options: BusClientOptions) {
    super();
    this.#options = options;
    this.#log = options.logger;
    this.queueFile = options.queueFile
      ? OutboxStore.open(options.queueFile.path, { fsyncIntervalMs: options.queueFile.fsyncIntervalMs })
      : undefined;
    if (this.queueFile && this.queueFile.stats.restored + this.queueFile.stats.corrupt > 0) {
      this.#log.info(
        { file: this.queueFile.path, ...this.queueFile.stats },
        'reports left unconfirmed by the previous run are queued again',
      );
    }
    this.outbox = new Outbox({ capacity: options.outboxCapacity, ...options.outboxPolicy }, this.queueFile);
    this.puback = new PubackWatchdog({
      timeoutMs: options.pubackTimeoutMs ?? 10_000,
      onTimeout: ({ oldestAgeMs, pending }) => {
        this.#log.warn(
          { oldestAgeMs, pending },
          'broker has not acknowledged a QoS 1 publish in time; reconnecting (unacknowledged publishes are sent again)',
        );
        // Drop the socket, not the client: mqtt.js keeps its outgoing store and resends it on reconnect.
        this.#watch?.closingOurselves();
        this.#client?.stream?.destroy();
      },
    });
  }

  /**
   * What a health report shows of the bus: counters, the journal's, dropped reports by route, queue, PUBACK latency.
   */
  stats(): BusStats {
    const q = this.queueFile;
    const latency = this.puback.latency;
    return {
      counters: {
        messagesIn: this.counters.messagesIn,
        messagesOut: this.counters.messagesOut,
        reconnects: this.counters.reconnects,
        inflight: this.outbox.inflight,
        pubackTimeouts: this.puback.timeouts,
      },
      queueFile: q
        ? {
            'queueFile.pending': q.pending,
            'queueFile.restored': q.stats.restored,
            'queueFile.corrupt': q.stats.corrupt,
          }
        : {},
      drops: this.outbox.drops(),
      queueDepth: this.outbox.size,
      pubackLatencyMs: { p50: latency.percentile(50), p99: latency.percentile(99), count: latency.count },
    };
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Why the bridge is not connected now, as far as it knows (undefined while connected). */
  get waitingReason(): string | undefined {
    if (this.#connected) return undefined;
    return this.#watch?.silentFor() ?? this.#lastProblem;
  }

  /** Connects; resolves on the first CONNACK 0, rejects with a BridgeError if the broker refuses or is unreachable. */
  start(will = this.#options.will): Promise<void> {
    const o = this.#options;
    const opts = clientOptions(o, will);
    const client = newMqttClient(o.url, opts);
    this.#client = client;
    const watch = new ConnectWatch({
      clientId: o.clientId,
      url: redactUrl(o.url),
      connectTimeoutMs: opts.connectTimeout!,
    });
    this.#watch = watch;
    followSockets(client, watch);
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (err?: BridgeError): void => {
        if (settled) return;
        settled = true;
        if (err) reject(err);
        else resolve();
      };
      client.on('connect', () => {
        // Nagle off: an acknowledgement written just after its status report would otherwise wait
        // for the broker's delayed ACK of the report (40 ms on Linux).
        (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
        // mqtt.js waits for 'drain' once per publish written to a full socket: a gateway connection
        // carrying a thousand homes has more than Node's 1,000-listener warning at a report burst.
        client.stream?.setMaxListeners(0);
        this.#connected = true;
        this.#failures = 0;
        this.#lastProblem = undefined;
        setReconnectPeriod(client, opts.reconnectPeriod!);
        watch.connack();
        this.counters.connects++;
        if (this.counters.connects > 1) this.counters.reconnects++;
        this.#log.info({ url: redactUrl(o.url), clientId: o.clientId }, 'connected to broker');
        // One SUBSCRIBE for all filters: a gateway connection holds a thousand homes' command filters.
        if (o.subscriptions.length > 0) {
          const map = Object.fromEntries(o.subscriptions.map((s) => [s.filter, { qos: s.qos }]));
          client.subscribe(map, (err) => {
            if (err) this.#log.error({ err: err.message, filters: o.subscriptions.length }, 'subscribe failed');
          });
        }
        o.onConnect?.();
        this.#flush();
        this.emit('connected');
        settle();
      });
      client.on('packetreceive', (packet) => {
        // Timed from the CONNACK, not from 'connect': mqtt.js resends its unacknowledged publishes
        // before it emits 'connect', one PUBACK at a time, and a broker that stays half-dead would
        // otherwise hold that resend (and 'connect') back for ever.
        if (packet.cmd === 'connack' && (packet.returnCode ?? packet.reasonCode ?? 0) === 0) this.puback.connected();
      });
      client.on('message', (topic, payload) => {
        this.counters.messagesIn++;
        this.emit('message', topic, payload);
      });
      client.on('close', () => {
        this.puback.disconnected();
        // QoS 0 reports still in the full socket's buffer never reached the broker: queued again.
        const unwritten = this.#awaitingDrain;
        this.#awaitingDrain = undefined;
        if (unwritten && !this.#closing) this.outbox.requeue(unwritten);
        const hadSession = this.#connected;
        if (this.#connected) {
          this.#connected = false;
          if (!this.#closing) this.#log.warn('connection to broker lost; reconnecting');
          this.emit('disconnected');
        }
        if (this.#closing) return;
        const verdict = watch.closed();
        if (verdict?.kind === 'refused' || verdict?.kind === 'conflict') {
          // A conflict too: reconnecting would only knock the other holder of the id off again, so this
          // one stops for good and the other keeps the id (the one that notices first lost the race).
          this.#log.error({ code: verdict.error.code, clientId: o.clientId }, verdict.error.message);
          client.end(true);
          this.emit('fatal', verdict.error);
          settle(verdict.error);
          return;
        }
        if (verdict?.kind === 'unanswered') this.#lastProblem = verdict.reason;
        if (!hadSession) this.#attemptFailed(client, o.url, opts.reconnectPeriod!, o.maxReconnectPeriodMs ?? 10_000);
      });
      client.on('error', (err: Error & { code?: unknown }) => {
        watch.error(err.message, typeof err.code === 'string');
        const fatal = classifyError(err, o.url);
        if (fatal) {
          this.#log.error({ code: fatal.code }, fatal.message);
          watch.closingOurselves();
          client.end(true);
          this.emit('fatal', fatal);
          settle(fatal);
          return;
        }
        this.#lastProblem = err.message === 'connack timeout' ? (watch.silentFor() ?? err.message) : err.message;
        // Errors of a live session are worth a line each; failed attempts are logged by #attemptFailed.
        if (this.#connected) this.#log.warn({ err: err.message }, 'broker connection error');
      });
    });
  }

  /**
   * One failed connection attempt: the next waits twice as long (up to the maximum), and only the first
   * failure, a changed reason and every tenth attempt are logged above debug, so an unreachable broker
   * is one warning, not two a second.
   */
  #attemptFailed(client: MqttClient, url: string, basePeriodMs: number, maxPeriodMs: number): void {
    this.#failures++;
    const nextMs = Math.min(basePeriodMs * 2 ** (this.#failures - 1), Math.max(basePeriodMs, maxPeriodMs));
    setReconnectPeriod(client, nextMs);
    const reason = this.#lastProblem ?? 'connection closed before CONNACK';
    this.emit('attemptFailed', reason);
    const fields = { attempts: this.#failures, nextAttemptMs: nextMs, reason };
    if (this.#failures === 1) {
      this.#log.warn(fields, `waiting for broker ${redactUrl(url)}: ${reason}; retrying with backoff`);
    } else if (reason !== this.#loggedReason || this.#failures % 10 === 0) {
      this.#log.warn(fields, `still waiting for broker ${redactUrl(url)} (${this.#failures} attempts): ${reason}`);
    } else {
      this.#log.debug(fields, 'broker connection attempt failed');
    }
    this.#loggedReason = reason;
  }

  /** Publishes now if connected, else queues (bounded). */
  publish(message: OutgoingMessage): void {
    if (this.#connected && this.#client) this.#send(message);
    else this.outbox.push(message);
  }

  /**
   * Publishes directly and waits for the broker (QoS 1) or the socket (QoS 0), at most timeoutMs (then
   * rejects BROKER_TIMEOUT); for clean shutdown.
   */
  async publishNow(message: OutgoingMessage, timeoutMs = 2000): Promise<void> {
    if (!this.#connected || !this.#client) return;
    this.counters.messagesOut++;
    // mqtt.js settles a publish once its bytes are written (QoS 0) or acknowledged (QoS 1). A broker that
    // stops reading leaves the socket full and the publish unsettled for ever, and a stop that awaits it
    // with it: give up after timeoutMs (the message may still go out if the socket drains).
    const written = this.#client.publishAsync(message.topic, message.payload, {
      qos: message.qos,
      retain: message.retain,
    });
    written.catch(() => undefined); // settled after the timeout: nobody is listening any more
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        written,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new BridgeError(
                  ErrorCode.BROKER_TIMEOUT,
                  `${message.route} on ${message.topic} not taken by the broker within ${timeoutMs} ms`,
                ),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Disconnects cleanly when the broker answers within `graceMs`; otherwise drops the socket. Reports not
   * yet confirmed stay in the queue file for the next run.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.#closing = true;
    this.puback.stop();
    const client = this.#client;
    if (client) {
      if (this.#connected) {
        let timer: NodeJS.Timeout | undefined;
        const ended = await Promise.race([
          client.endAsync(false).then(
            () => true,
            () => true,
          ),
          new Promise<false>((r) => (timer = setTimeout(() => r(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!ended) client.stream?.destroy();
      } else {
        client.end(true);
      }
    }
    this.#connected = false;
    this.outbox.close();
  }

  /** Ends the connection without DISCONNECT, so the broker sends the will (tests, SIGKILL emulation). */
  destroy(): void {
    this.#closing = true;
    this.puback.stop();
    this.#client?.end(true);
    this.#connected = false;
    this.outbox.close();
  }

  #send(m: OutgoingMessage): void {
    this.counters.messagesOut++;
    this.sentByRoute[m.route] = (this.sentByRoute[m.route] ?? 0) + 1;
    this.outbox.track(m);
    const client = this.#client!;
    if (m.qos === 0 && !this.#closing && !client.disconnecting) {
      this.#writeQos0(client, m);
      return;
    }
    if (m.qos === 1) this.puback.sent(m.seq!);
    client.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain }, (err) => {
      if (!err) {
        this.puback.acked(m.seq!);
        this.outbox.settle(m);
      } else if (!this.#closing) {
        this.#log.warn({ err: err.message, topic: m.topic }, 'publish failed; queued for the next connection');
        this.puback.forget(m.seq!);
        this.outbox.requeue([m]);
      }
    });
  }

  /**
   * A QoS 0 report written as one framed PUBLISH, not through mqtt.js's publish (which mqtt-packet writes
   * as five chunks); several written in one turn of the event loop go to the socket in one writev, as
   * mqtt-packet's do. Written means settled, as mqtt.js settles QoS 0; while the socket is full, once
   * it drains.
   */
  #writeQos0(client: MqttClient, m: OutgoingMessage): void {
    const stream = client.stream;
    if (!stream.writableCorked) {
      stream.cork();
      process.nextTick(uncork, stream);
    }
    let frame: Buffer;
    try {
      frame = qos0PublishFrame(m.topic, m.payload, m.retain);
    } catch (e) {
      // A topic or payload MQTT cannot carry: no broker would take it, now or later.
      this.#log.error({ err: (e as Error).message, topic: m.topic.slice(0, 200), route: m.route }, 'report dropped');
      this.outbox.discard(m);
      return;
    }
    if (stream.write(frame)) {
      this.outbox.settle(m);
      return;
    }
    if (!this.#awaitingDrain) {
      const waiting: OutgoingMessage[] = [];
      this.#awaitingDrain = waiting;
      stream.once('drain', () => {
        if (this.#awaitingDrain === waiting) this.#awaitingDrain = undefined;
        for (const w of waiting) this.outbox.settle(w);
      });
    }
    this.#awaitingDrain.push(m);
  }

  #flush(): void {
    for (const m of this.outbox.drain()) this.#send(m);
  }
}

function classifyError(err: Error & { code?: unknown }, url: string): BridgeError | undefined {
  const code = typeof err.code === 'number' ? err.code : undefined;
  if (code === 4 || code === 5) {
    return new BridgeError(
      ErrorCode.BROKER_AUTH,
      `broker ${redactUrl(url)} refused the connection: ${CONNACK_REASONS[code]} (CONNACK ${code}). Check ` +
        '--username and the password (SMARTHOME_BRIDGE_PASSWORD or ' +
        `--password-file)${code === 5 ? ", and on RabbitMQ the user's permissions and loopback_users" : ''}.`,
      { connack: code },
    );
  }
  if (code === 1 || code === 2) {
    return new BridgeError(
      ErrorCode.BROKER_REFUSED,
      `broker ${redactUrl(url)} refused the connection: ${CONNACK_REASONS[code]} (CONNACK ${code})`,
      { connack: code },
    );
  }
  const text = err.message ?? '';
  if (
    /self[- ]signed|unable to verify|certificate|ERR_TLS|CERT_/i.test(text) ||
    /CERT|TLS/.test(String(err.code ?? ''))
  ) {
    return new BridgeError(
      ErrorCode.BROKER_REFUSED,
      `TLS to ${redactUrl(url)} failed: ${text}. Give the broker's CA with --ca, or --insecure to skip ` +
        'verification (not for production).',
    );
  }
  return undefined;
}

/**
 * Changes the wait before mqtt.js's next reconnect attempt. mqtt.js 5 (pinned) reads
 * options.reconnectPeriod when it arms its reconnect interval and keeps that interval across failed
 * attempts, so a running interval is re-armed with the new period.
 */
function setReconnectPeriod(client: MqttClient, ms: number): void {
  const c = client as unknown as {
    options: { reconnectPeriod: number };
    reconnectTimer: NodeJS.Timeout | null;
    _setupReconnect(): void;
  };
  if (c.options.reconnectPeriod === ms) return;
  c.options.reconnectPeriod = ms;
  if (c.reconnectTimer) {
    clearInterval(c.reconnectTimer);
    c.reconnectTimer = null;
    c._setupReconnect();
  }
}

/** A broker URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function uncork(stream: { uncork(): void }): void {
  stream.uncork();
}
