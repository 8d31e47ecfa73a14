import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';

/** An in-process aedes broker that records who connected and what each client subscribed to. */
export interface WatchedBroker {
  url: string;
  clientIds: Set<string>;
  subscriptions: Map<string, string[]>;
  close(): Promise<void>;
}

export async function startWatchedBroker(): Promise<WatchedBroker> {
  const broker = await Aedes.createBroker();
  const clientIds = new Set<string>();
  const subscriptions = new Map<string, string[]>();
  broker.on('clientReady', (c) => clientIds.add(c.id));
  broker.on('subscribe', (subs, c) =>
    subscriptions.set(c.id, [...(subscriptions.get(c.id) ?? []), ...subs.map((s) => s.topic)]),
  );
  const server: Server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    clientIds,
    subscriptions,
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface Observer {
  client: MqttClient;
  messages: Array<{ topic: string; payload: Record<string, unknown> }>;
}

/** A plain subscriber of every report topic. */
export async function observe(url: string, filter = 'webos/report/smarthome/#'): Promise<Observer> {
  const client = await mqtt.connectAsync(url, {
    clientId: `observer-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const messages: Observer['messages'] = [];
  client.on('message', (topic, payload) => {
    try {
      messages.push({ topic, payload: JSON.parse(payload.toString()) as Record<string, unknown> });
    } catch {
      messages.push({ topic, payload: { text: payload.toString() } });
    }
  });
  await client.subscribeAsync(filter, { qos: 0 });
  return { client, messages };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for a condition; generous, because the machine may be busy (nothing here asserts speed). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
