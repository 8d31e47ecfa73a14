import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from '../environment/clock.js';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * The harness's own MQTT client: it records every live message on `webos/#` (retained messages from
 * before the home started are left out), publishes what a test sends, and answers flush barriers.
 */
export interface ObservedMessage {
  /** 0, 1, 2, … in order of arrival. */
  readonly seq: number;
  readonly topic: string;
  /** The payload as text (UTF-8). */
  readonly payload: string;
  /** The payload parsed as JSON, when it is JSON. */
  readonly json: unknown;
  /** Home-clock time when the harness received it. */
  readonly receivedAt: number;
}

export interface BusObserverOptions {
  url: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  clock: Clock;
  /** What to record (default `webos/#`). */
  filter?: string;
  /** At most this many messages are kept; older ones are dropped (default 100 000). */
  capacity?: number;
}

export const BARRIER_TOPIC = 'smarthome-harness/barrier';

export class BusObserver {
  readonly #o: BusObserverOptions;
  readonly #messages: ObservedMessage[] = [];
  #client: MqttClient | undefined;
  #seq = 0;
  #barrierSeq = 0;
  readonly #barriers = new Map<string, () => void>();
  #listeners: ((m: ObservedMessage) => void)[] = [];

  constructor(options: BusObserverOptions) {
    this.#o = options;
  }

  get messages(): readonly ObservedMessage[] {
    return this.#messages;
  }

  /** Connects and subscribes; resolves once the broker confirmed the subscription. */
  async start(): Promise<void> {
    const client = mqtt.connect(this.#o.url, {
      protocolVersion: 4,
      clientId: this.#o.clientId,
      clean: true,
      reconnectPeriod: 200,
      connectTimeout: 10_000,
      ...(this.#o.username !== undefined ? { username: this.#o.username } : {}),
      ...(this.#o.password !== undefined ? { password: this.#o.password } : {}),
    });
    this.#client = client;
    client.on('message', (topic, payload, packet) => this.#receive(topic, payload, packet.retain));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      await client.subscribeAsync([this.#o.filter ?? 'webos/#', BARRIER_TOPIC], { qos: 0 });
    } catch (e) {
      client.end(true);
      throw new BridgeError(
        ErrorCode.BROKER_UNREACHABLE,
        `the test harness cannot reach the broker ${this.#o.url}: ${(e as Error).message}`,
      );
    }
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    if (!this.#client) throw new BridgeError(ErrorCode.LINK_NOT_READY, 'the harness observer is not connected');
    await this.#client.publishAsync(topic, payload, { qos: 0 });
  }

  /** Calls `fn` for every message recorded from now on; returns a function that stops it. */
  onMessage(fn: (m: ObservedMessage) => void): () => void {
    this.#listeners.push(fn);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== fn);
    };
  }

  /**
   * Sends a marker through `publishVia` (the bridge's own connection) and waits until it comes back:
   * MQTT keeps one connection's messages in order, so everything the bridge published before the
   * marker has then been recorded. Resolves false if the marker does not arrive within `wallMs`.
   */
  async barrier(publishVia: (topic: string, payload: string) => Promise<void>, wallMs = 5000): Promise<boolean> {
    const token = `${this.#o.clientId}/${++this.#barrierSeq}`;
    const arrived = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#barriers.delete(token);
        resolve(false);
      }, wallMs);
      this.#barriers.set(token, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    await publishVia(BARRIER_TOPIC, token);
    return arrived;
  }

  async stop(): Promise<void> {
    for (const done of this.#barriers.values()) done();
    this.#barriers.clear();
    this.#listeners = [];
    await this.#client?.endAsync(true).catch(() => undefined);
  }

  #receive(topic: string, payload: Buffer, retained: boolean): void {
    if (topic === BARRIER_TOPIC) {
      const token = payload.toString('utf8');
      this.#barriers.get(token)?.();
      this.#barriers.delete(token);
      return;
    }
    if (retained) return;
    const text = payload.toString('utf8');
    let json: unknown;
    if (/^\s*[{[]/.test(text)) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const m: ObservedMessage = { seq: this.#seq++, topic, payload: text, json, receivedAt: this.#o.clock.now() };
    this.#messages.push(m);
    if (this.#messages.length > (this.#o.capacity ?? 100_000)) this.#messages.shift();
    for (const l of this.#listeners) l(m);
  }
}
