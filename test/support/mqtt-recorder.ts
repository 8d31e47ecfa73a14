/**
 * A real mqtt.js client that records every message it sees (topic, payload, QoS, retain flag) and lets
 * a test wait for one that matches: the test's view of the bus.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface Seen {
  topic: string;
  text: string;
  /** The payload parsed as JSON, or undefined if it is not JSON. */
  json: Record<string, unknown> | undefined;
  qos: number;
  retain: boolean;
}

export class MqttRecorder {
  readonly seen: Seen[] = [];
  #waiters: { pred: (m: Seen) => boolean; from: number; resolve: (m: Seen) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        const v: unknown = JSON.parse(text);
        if (v && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      const m: Seen = { topic, text, json, qos: packet.qos, retain: packet.retain };
      this.seen.push(m);
      const index = this.seen.length - 1;
      this.#waiters = this.#waiters.filter((w) => {
        if (index < w.from || !w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** Connects and subscribes (QoS 1, so the QoS seen is the one the publisher used). */
  static async connect(
    url: string,
    filters: string[],
    clientId = `recorder-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
  ): Promise<MqttRecorder> {
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId, reconnectPeriod: 0 });
    const recorder = new MqttRecorder(client);
    await client.subscribeAsync(filters, { qos: 1 });
    return recorder;
  }

  /** Index of the next message: pass to `next`/`since` to look only at what comes after now. */
  mark(): number {
    return this.seen.length;
  }

  since(mark: number): Seen[] {
    return this.seen.slice(mark);
  }

  /** The first message from `mark` on that matches (already seen or still to come). */
  next(pred: (m: Seen) => boolean, mark = 0, timeoutMs = 5000, what = 'a matching message'): Promise<Seen> {
    const found = this.seen.slice(mark).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; seen since mark: ` +
              `${JSON.stringify(this.seen.slice(mark).map((m) => [m.topic, m.text.slice(0, 120)]))}`,
          ),
        );
      }, timeoutMs);
      const done = (m: Seen): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#waiters.push({ pred, from: mark, resolve: done });
    });
  }

  async publish(topic: string, payload: string | Buffer): Promise<void> {
    await this.client.publishAsync(topic, payload, { qos: 0 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
