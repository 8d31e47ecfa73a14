/**
 * An AMQP consumer as the Car2Home backend is one (amqplib here; pika in test/support/pika/): an
 * exclusive, server-named queue bound to `webos.topic` with the given binding keys, recording every
 * delivery (routing key, body, parsed JSON) so a test can wait for one that matches. It takes nothing
 * from anyone else's queue and disappears with its connection.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';

export interface Delivery {
  exchange: string;
  routingKey: string;
  text: string;
  json: Record<string, unknown> | undefined;
  headers: Record<string, unknown>;
}

export class AmqpRecorder {
  readonly seen: Delivery[] = [];
  #waiters: { pred: (d: Delivery) => boolean; from: number; resolve: (d: Delivery) => void }[] = [];

  private constructor(
    readonly conn: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async connect(url: string, bindings: string[], exchange = 'webos.topic'): Promise<AmqpRecorder> {
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    const r = new AmqpRecorder(conn, ch);
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    for (const b of bindings) await ch.bindQueue(queue, exchange, b);
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        const text = msg.content.toString('utf8');
        let json: Record<string, unknown> | undefined;
        try {
          const v: unknown = JSON.parse(text);
          if (v && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        r.#add({
          exchange: msg.fields.exchange,
          routingKey: msg.fields.routingKey,
          text,
          json,
          headers: msg.properties.headers ?? {},
        });
      },
      { noAck: true },
    );
    return r;
  }

  mark(): number {
    return this.seen.length;
  }

  since(mark: number): Delivery[] {
    return this.seen.slice(mark);
  }

  next(pred: (d: Delivery) => boolean, mark = 0, timeoutMs = 10_000, what = 'a matching delivery'): Promise<Delivery> {
    const found = this.seen.slice(mark).find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms; seen since mark: ` +
              `${JSON.stringify(this.seen.slice(mark).map((d) => [d.routingKey, d.text.slice(0, 120)]))}`,
          ),
        );
      }, timeoutMs);
      const done = (d: Delivery): void => {
        clearTimeout(timer);
        resolve(d);
      };
      this.#waiters.push({ pred, from: mark, resolve: done });
    });
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }

  #add(d: Delivery): void {
    this.seen.push(d);
    const index = this.seen.length - 1;
    this.#waiters = this.#waiters.filter((w) => {
      if (index < w.from || !w.pred(d)) return true;
      w.resolve(d);
      return false;
    });
  }
}
