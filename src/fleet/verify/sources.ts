import amqp, { type Channel, type ChannelModel } from 'amqplib';
import mqtt, { type IClientOptions, MqttClient } from 'mqtt';
import type { DevicesConfig } from '../../config/schema.js';
import { BridgeError, ErrorCode, toBridgeError } from '../../core/errors.js';
import { mqttToAmqp } from '../../core/topics.js';
import { redactUrl as redact } from '../../bus/client.js';
import { mqttLogOption } from '../../bus/mqtt-log.js';
import { socketTarget } from '../../bus/socket-target.js';
import { DEFAULT_READ_BATCHING, openBatchedSocket, type ReadBatching } from './batched-reads.js';
import type { PayloadSink } from './publish-tap.js';

/**
 * Where a verifier reads the fleet's reports from and sends its commands to: an MQTT subscription, or
 * (on RabbitMQ) a private AMQP queue bound to the MQTT plugin's topic exchange. Both deliver the same
 * JSON the homes published.
 */
export interface ReportSource {
  readonly kind: 'mqtt' | 'amqp';
  /** Each report's payload goes to `onMessage` (bytes `start` to `end`, the callee's only during the call). */
  start(onMessage: PayloadSink): Promise<void>;
  /** Publishes a command on an MQTT topic (over AMQP: its routing key on the exchange). */
  publish(topic: string, payload: string): void;
  stop(): Promise<void>;
}

/** The MQTT filters that carry what a verifier reads: sensor reports, availability and acks (devices.json routes). */
export function reportFilters(config: DevicesConfig): string[] {
  const r = config.bus.routes;
  return [...new Set([r.sensor.topic, r.availability.topic, r.ack.topic])];
}

export interface MqttSourceOptions {
  url: string;
  filters: string[];
  /** QoS of the subscription; 1 keeps a session (clean: false) so a broker restart loses nothing queued for us. */
  qos: 0 | 1;
  clientId: string;
  /**
   * Leave the subscriptions on the broker at stop, so a verifier with the same client id resumes them
   * (and nothing is lost in between). Otherwise they are removed, so no broker keeps queueing reports
   * for a verifier that is gone (RabbitMQ holds a QoS 1 session's queue for its subscription_ttl).
   */
  keepSession?: boolean | undefined;
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
  /**
   * Told when the connection drops after it was up (`why`: the socket's error, or that the broker closed it)
   * and when it is up again. The client reconnects by itself; a QoS 0 verifier misses what came meanwhile.
   */
  onConnection?: ((up: boolean, why?: string) => void) | undefined;
  /** Rest the socket between reads while they are busy (batched-reads.ts); null reads every report as it comes. */
  readBatching?: ReadBatching | null | undefined;
}

/** How long a stopping verifier waits for its unsubscribe and its DISCONNECT to be written. */
const STOP_GRACE_MS = 2000;

export class MqttReportSource implements ReportSource {
  readonly kind = 'mqtt';
  readonly #o: MqttSourceOptions;
  #client: MqttClient | undefined;
  #stopping = false;

  constructor(o: MqttSourceOptions) {
    this.#o = o;
  }

  async start(onMessage: PayloadSink): Promise<void> {
    const o = this.#o;
    const options: IClientOptions = {
      clientId: o.clientId,
      protocolVersion: 4,
      clean: o.qos === 0,
      // Subscribed on every connect (RabbitMQ unbinds a session's queue when it restarts; docs/rabbitmq.md §3).
      resubscribe: false,
      reconnectPeriod: 500,
      connectTimeout: 10_000,
      username: o.username,
      password: o.password,
      ...(o.tls ?? {}),
      ...mqttLogOption,
    };
    const batching = o.readBatching === undefined ? DEFAULT_READ_BATCHING : o.readBatching;
    // Over TCP and TLS the reports are taken out of the bytes before mqtt.js (publish-tap.ts); over
    // WebSocket, or with what only mqtt.connect applies (credentials in the URL), mqtt.js reads them.
    const target = socketTarget(o.url, o.tls);
    const client = target
      ? new MqttClient(() => openBatchedSocket(target, batching, onMessage), options)
      : mqtt.connect(o.url, options);
    this.#client = client;
    client.on('message', (_topic, payload) => onMessage(payload, 0, payload.length));
    this.#watchConnection(client);
    const subscribe = (): Promise<unknown> =>
      client.subscribeAsync(Object.fromEntries(o.filters.map((f) => [f, { qos: o.qos }])));
    client.on('connect', () => void subscribe().catch(() => undefined));
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => {
        client.end(true);
        reject(new BridgeError(ErrorCode.BROKER_UNREACHABLE, `verify: cannot subscribe on ${o.url}: ${e.message}`));
      };
      client.once('error', fail);
      client.once('connect', () => {
        client.off('error', fail);
        subscribe().then(() => resolve(), fail);
      });
    });
  }

  /**
   * A socket error after start (a reset, a broker gone) is the client's to recover from by reconnecting: it is
   * kept to say why the connection dropped, never thrown (an EventEmitter's unheard 'error' would end the process).
   */
  #watchConnection(client: MqttClient): void {
    let up = false;
    let lastError: Error | undefined;
    client.on('error', (e) => (lastError = e));
    let everUp = false;
    client.on('connect', () => {
      // The first connect is start()'s to report; a later one is the way back.
      if (everUp && !this.#stopping) this.#o.onConnection?.(true);
      everUp = up = true;
      lastError = undefined;
    });
    client.on('close', () => {
      if (!up || this.#stopping) return;
      up = false;
      this.#o.onConnection?.(false, lastError ? lastError.message : 'closed by the broker');
      lastError = undefined;
    });
  }

  publish(topic: string, payload: string): void {
    this.#client?.publish(topic, payload, { qos: 0 });
  }

  async stop(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#stopping = true;
    if (this.#o.qos === 1 && !this.#o.keepSession && client.connected) {
      const gone = new Promise((r) => setTimeout(r, STOP_GRACE_MS));
      await Promise.race([client.unsubscribeAsync(this.#o.filters), gone]).catch(() => undefined);
    }
    // A broker that stops reading never lets a graceful end finish: then the socket is dropped.
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      client.endAsync().then(
        () => true,
        () => true,
      ),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), STOP_GRACE_MS))),
    ]);
    clearTimeout(timer);
    if (!ended) client.end(true);
  }
}

export interface AmqpSourceOptions {
  url: string;
  /** The MQTT plugin's exchange (production: webos.topic). */
  exchange: string;
  filters: string[];
  /** Told when the AMQP connection is lost (a verifier cannot vouch for what it did not see). */
  onLost: (e: BridgeError) => void;
}

export class AmqpReportSource implements ReportSource {
  readonly kind = 'amqp';
  readonly #o: AmqpSourceOptions;
  #conn: ChannelModel | undefined;
  #channel: Channel | undefined;
  #stopping = false;

  constructor(o: AmqpSourceOptions) {
    this.#o = o;
  }

  async start(onMessage: PayloadSink): Promise<void> {
    const o = this.#o;
    try {
      this.#conn = await amqp.connect(o.url);
      this.#conn.on('error', () => undefined);
      this.#conn.on('close', () => {
        if (!this.#stopping)
          o.onLost(
            new BridgeError(ErrorCode.BROKER_UNREACHABLE, `verify: the AMQP connection to ${redact(o.url)} was lost`),
          );
      });
      const ch = await this.#conn.createChannel();
      this.#channel = ch;
      // Passive: the verifier never declares broker topology (the MQTT plugin's exchange must exist).
      await ch.checkExchange(o.exchange);
      // A private, server-named queue that vanishes with the verifier.
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      for (const f of o.filters) await ch.bindQueue(queue, o.exchange, mqttToAmqp(f));
      await ch.consume(queue, (msg) => msg && onMessage(msg.content, 0, msg.content.length), { noAck: true });
    } catch (e) {
      await this.stop();
      throw new BridgeError(
        ErrorCode.BROKER_UNREACHABLE,
        `verify: cannot consume from exchange ${o.exchange} on ${redact(o.url)}: ${toBridgeError(e).message}`,
      );
    }
  }

  publish(topic: string, payload: string): void {
    this.#channel?.publish(this.#o.exchange, mqttToAmqp(topic), Buffer.from(payload));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#conn?.close().catch(() => undefined);
    this.#conn = undefined;
  }
}
