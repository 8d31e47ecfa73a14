import mqtt, { type MqttClient } from 'mqtt';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * The panel's own MQTT client: it watches the bus like `watch` does and sends commands like any other
 * client (the car's dashboard), so a command from the page travels through the broker and the bridge
 * exactly as one from the car, and its acknowledgement comes back over the bus.
 */
export interface BusTapOptions {
  url: string;
  clientId: string;
  filters: string[];
  username?: string | undefined;
  password?: string | undefined;
  tls?:
    | { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean }
    | undefined;
  onMessage: (topic: string, payload: Buffer) => void;
}

export interface CommandAnswer {
  /** The ack or error payload the bridge published. */
  reply: Record<string, unknown>;
  /** Publish on the page's side to the reply arriving back, ms (what the car would wait). */
  roundTripMs: number;
}

interface Waiter {
  match: (m: Record<string, unknown>) => boolean;
  resolve: (a: CommandAnswer) => void;
  sent: number;
}

const ANSWER_TIMEOUT_MS = 5000;
const MAX_WAITERS = 32;

export class BusTap {
  readonly #o: BusTapOptions;
  readonly #waiters = new Set<Waiter>();
  #client: MqttClient | undefined;

  constructor(options: BusTapOptions) {
    this.#o = options;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  start(): void {
    const o = this.#o;
    this.#client = mqtt.connect(o.url, {
      protocolVersion: 4,
      clientId: o.clientId,
      clean: true,
      reconnectPeriod: 2000,
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.tls ?? {}),
    });
    this.#client.on('connect', () => void this.#client?.subscribeAsync(o.filters, { qos: 0 })?.catch(() => undefined));
    this.#client.on('error', () => undefined);
    this.#client.on('message', (topic, payload) => {
      o.onMessage(topic, payload);
      if (this.#waiters.size === 0 || payload[0] !== 0x7b) return;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        return;
      }
      if (m['command'] !== 'ack' && m['command'] !== 'error') return;
      for (const w of this.#waiters) {
        if (!w.match(m)) continue;
        this.#waiters.delete(w);
        w.resolve({ reply: m, roundTripMs: Math.round((performance.now() - w.sent) * 100) / 100 });
        break;
      }
    });
  }

  /**
   * Publishes `payload` on `topic` and resolves with the bridge's answer for `home`: the ack or error
   * with the command's id (JSON), or the next one for that home naming this 9-digit request.
   */
  async send(
    topic: string,
    payload: string,
    home: string,
    id: string | undefined,
    request: string | undefined,
  ): Promise<CommandAnswer> {
    const client = this.#client;
    if (!client?.connected)
      throw new BridgeError(ErrorCode.BROKER_UNREACHABLE, 'the panel is not connected to the broker');
    if (this.#waiters.size >= MAX_WAITERS)
      throw new BridgeError(
        ErrorCode.QUEUE_OVERFLOW,
        `more than ${MAX_WAITERS} commands from the panel are waiting for an answer`,
      );
    const match = (m: Record<string, unknown>): boolean =>
      m['home'] === home &&
      (id !== undefined ? m['id'] === id : m['command'] === 'error' ? m['id'] === undefined : m['request'] === request);
    return new Promise<CommandAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new BridgeError(ErrorCode.TIMEOUT, `no acknowledgement within ${ANSWER_TIMEOUT_MS} ms`));
      }, ANSWER_TIMEOUT_MS);
      const waiter: Waiter = {
        match,
        sent: performance.now(),
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      };
      this.#waiters.add(waiter);
      client.publishAsync(topic, payload, { qos: 0 }).catch((e: unknown) => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        reject(new BridgeError(ErrorCode.BROKER_UNREACHABLE, `publish failed: ${(e as Error).message}`));
      });
    });
  }

  async stop(): Promise<void> {
    await this.#client?.endAsync(true).catch(() => undefined);
  }
}
