/**
 * The verifier's socket: while a lot arrives it reads in batches (a read, a rest, a read that takes
 * everything gathered meanwhile), below the threshold it reads as data comes, and either way every byte
 * arrives once and in order, writes go out, and the end of the connection reaches the MQTT client.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type BatchedSocket, openBatchedSocket } from '../../../src/fleet/verify/batched-reads.js';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server that runs `serve` on each connection; resolves with its port. */
async function server(serve: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    serve(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as net.AddressInfo).port;
}

/** Writes `ticks` pieces of `size` bytes, one every `everyMs`, then ends; the hash of what it wrote. */
function sender(
  ticks: number,
  size: number,
  everyMs: number,
): { serve: (s: net.Socket) => void; sent: Promise<string> } {
  let done: (hash: string) => void = () => undefined;
  const sent = new Promise<string>((r) => (done = r));
  return {
    sent,
    serve: (s) => {
      s.setNoDelay(true);
      const hash = createHash('sha256');
      let n = 0;
      const timer = setInterval(() => {
        const piece = Buffer.alloc(size, n % 251);
        piece.writeUInt32BE(n, 0);
        hash.update(piece);
        s.write(piece);
        if (++n < ticks) return;
        clearInterval(timer);
        s.end();
        done(hash.digest('hex'));
      }, everyMs);
    },
  };
}

/** Reads the socket to its end through a consumer like mqtt.js's (a pipe); the hash of what came. */
async function drain(b: BatchedSocket): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of b) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe('BatchedSocket', () => {
  it('reads in batches while busy, and loses, repeats or reorders no byte', async () => {
    // 8 KiB every 5 ms (~1.6 MB/s) for about 2 s, far over the threshold; 30 ms rests.
    const s = sender(400, 8192, 5);
    const port = await server(s.serve);
    const b = openBatchedSocket({ host: '127.0.0.1', port }, { batchMs: 30, busyBytesPerS: 64 * 1024 });
    // The first second reads as data comes (the rate is not known yet); from then on one read per rest, of
    // all gathered during it (a socket resting in its stream's way, paused, still took one more read).
    let mark: { reads: number; at: number } | undefined;
    const timer = setTimeout(() => (mark = { reads: b.reads, at: performance.now() }), 1200);
    const received = await drain(b);
    clearTimeout(timer);
    expect(received).toBe(await s.sent);
    expect(mark).toBeDefined();
    const readsPerS = ((b.reads - mark!.reads) * 1000) / (performance.now() - mark!.at);
    expect(readsPerS).toBeLessThan(1000 / 30 + 10); // unbatched: ~200 a second; paused: ~67
  });

  it('reads each piece as it comes while the rate stays under the threshold', async () => {
    const s = sender(100, 64, 20); // 64 bytes every 20 ms for 2 s: 3.2 KB/s
    const port = await server(s.serve);
    const b = openBatchedSocket({ host: '127.0.0.1', port }, { batchMs: 200, busyBytesPerS: 64 * 1024 });
    const received = await drain(b);
    expect(received).toBe(await s.sent);
    expect(b.reads).toBeGreaterThanOrEqual(80); // resting 200 ms per read after the first second: ~55
  });

  it('writes through to the peer and ends when the peer closes', async () => {
    let got = '';
    const port = await server((s) => {
      s.on('data', (d) => {
        got += d.toString();
        if (got === 'ping') s.end('pong');
      });
    });
    const b = openBatchedSocket({ host: '127.0.0.1', port }, { batchMs: 1, busyBytesPerS: 1 });
    const closed = new Promise((r) => b.once('close', r));
    b.write('ping');
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      b.on('data', (d: Buffer) => (text += d.toString()));
      b.on('end', () => resolve(text));
    });
    expect(got).toBe('ping');
    expect(reply).toBe('pong');
    await closed;
  });

  it('passes a refused connection on as an error', async () => {
    const port = await server(() => undefined);
    await new Promise((r) => servers.pop()!.close(r));
    const b = openBatchedSocket({ host: '127.0.0.1', port }, { batchMs: 1, busyBytesPerS: 1 });
    const err = await new Promise<NodeJS.ErrnoException>((r) => b.once('error', r));
    expect(err.code).toBe('ECONNREFUSED');
  });
});
