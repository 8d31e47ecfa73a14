/**
 * A loopback TCP proxy between MQTT clients and a broker that drops, duplicates or reorders the
 * clients' sensor-report PUBLISH packets on a fixed pattern, and counts exactly what it did, so a test
 * can hold a verifier to those numbers. Frames are cut by the MQTT fixed header and decoded with
 * mqtt-packet (what mqtt.js itself uses); everything else passes untouched, in order.
 */
import net from 'node:net';
import { parser as mqttParser, type Packet } from 'mqtt-packet';

export type FaultAction = 'pass' | 'drop' | 'duplicate' | 'reorder';

export interface FaultProxy {
  url: string;
  /** Sensor reports seen from clients, and what was done to them. */
  counts: Record<FaultAction, number>;
  close(): Promise<void>;
}

/** `pattern(k)` decides for the k-th sensor report (0-based, over all connections). */
export async function startFaultProxy(brokerPort: number, pattern: (k: number) => FaultAction): Promise<FaultProxy> {
  const counts: Record<FaultAction, number> = { pass: 0, drop: 0, duplicate: 0, reorder: 0 };
  const sockets = new Set<net.Socket>();
  let k = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(brokerPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    upstream.pipe(client);
    const parser = mqttParser({ protocolVersion: 4 });
    let decoded: Packet | undefined;
    parser.on('packet', (p) => (decoded = p));
    let buffered = Buffer.alloc(0);
    /** A report held back until the next report of this connection has gone. */
    let held: Buffer | undefined;
    const send = (frame: Buffer): void => void upstream.write(frame);
    /** Lets a held report go in its place (nothing overtook it): not reordered after all. */
    const release = (): void => {
      if (!held) return;
      send(held);
      counts.pass++;
      held = undefined;
    };
    const onFrame = (frame: Buffer): void => {
      decoded = undefined;
      parser.parse(frame);
      const p = decoded as Packet | undefined; // set synchronously by parse()
      const isReport = p?.cmd === 'publish' && /"command":"sensor"/.test(String(p.payload));
      if (!isReport) {
        release();
        return send(frame);
      }
      const action = held ? 'pass' : pattern(k);
      k++;
      if (action === 'reorder') {
        held = frame; // counted when it is let go
        return;
      }
      counts[action]++;
      if (action === 'drop') return;
      send(frame);
      if (action === 'duplicate') send(frame);
      if (held) {
        // Held back behind this later report: it arrives out of order.
        send(held);
        counts.reorder++;
        held = undefined;
      }
    };
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const len = frameLength(buffered);
        if (len === undefined || buffered.length < len) break;
        onFrame(buffered.subarray(0, len));
        buffered = buffered.subarray(len);
      }
    });
    const close = (): void => {
      release();
      client.destroy();
      upstream.end();
    };
    client.on('end', close);
    client.on('error', close);
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    counts,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Length of the first whole MQTT packet in buf (fixed header + remaining length), or undefined if unknown yet. */
function frameLength(buf: Buffer): number | undefined {
  let multiplier = 1;
  let remaining = 0;
  for (let i = 1; i < 5; i++) {
    if (i >= buf.length) return undefined;
    const b = buf[i]!;
    remaining += (b & 0x7f) * multiplier;
    if ((b & 0x80) === 0) return 1 + i + remaining;
    multiplier *= 128;
  }
  throw new Error('malformed MQTT remaining length');
}
