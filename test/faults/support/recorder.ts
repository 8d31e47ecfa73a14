import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  text: string;
  json: Record<string, unknown> | undefined;
  /** Wall time of arrival. */
  at: number;
}

/**
 * The test's observer on the bus: a QoS 1 subscriber that records everything it receives, in order,
 * and subscribes again on every connection (a restarted broker has forgotten it). `ready()` resolves
 * once the current connection's SUBACK is in.
 */
export class Recorder {
  readonly messages: Received[] = [];
  readonly client: MqttClient;
  #subscribedOn = 0;
  #connects = 0;

  private constructor(client: MqttClient, filter: string) {
    this.client = client;
    client.on('connect', () => {
      const n = ++this.#connects;
      client.subscribe(filter, { qos: 1 }, (err) => {
        if (!err) this.#subscribedOn = n;
      });
    });
    client.on('message', (topic, payload) => {
      const text = payload.toString();
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      this.messages.push({ topic, text, json, at: Date.now() });
    });
    client.on('error', () => undefined);
  }

  static async connect(url: string, filter = 'webos/#', options: IClientOptions = {}): Promise<Recorder> {
    const client = mqtt.connect(url, {
      protocolVersion: 4,
      clientId: `recorder-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      clean: true,
      resubscribe: false,
      reconnectPeriod: 100,
      connectTimeout: 5000,
      ...options,
    });
    const r = new Recorder(client, filter);
    await r.ready();
    return r;
  }

  /** Resolves when subscribed on the current connection. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(this.client.connected && this.#subscribedOn === this.#connects && this.#connects > 0)) {
      if (Date.now() > end) throw new Error('recorder not subscribed in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sensor readings of one kind, in arrival order. */
  readings(sensor: 'rain' | 'climate'): Received[] {
    return this.messages.filter((m) => m.json?.['command'] === 'sensor' && m.json['sensor'] === sensor);
  }

  async until(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
