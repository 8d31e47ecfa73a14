import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPty } from '../../../src/links/pty.js';
import { PortReadError, readUnixPort, type UnixPort } from '../../../src/links/serial/native-binding.js';
import { openSerialConnection } from '../../../src/links/serial/serial-port.js';
import { requireSocat } from '../../support/socat.js';

/** A unix port whose reads answer from a script and whose poller is fired by hand. */
function scriptedPort(script: Array<number | string>) {
  const poller = new EventEmitter();
  let polls = 0;
  const port: UnixPort = {
    isOpen: true,
    fd: 7,
    poller: {
      once(event, callback) {
        polls++;
        poller.once(event, callback);
        // The poll answers on a later turn, as libuv's does.
        setImmediate(() => poller.emit('readable', null));
        return poller;
      },
    },
  };
  const reads: Array<number | string> = [];
  const readBytes = async (_fd: number, buffer: Buffer, offset: number): Promise<{ bytesRead: number }> => {
    const next = script.shift();
    if (next === undefined) throw new Error('read past the script');
    reads.push(next);
    if (typeof next === 'string') throw Object.assign(new Error(next), { code: next });
    buffer.fill(0x41, offset, offset + next);
    return { bytesRead: next };
  };
  return { port, readBytes, reads, polls: () => polls };
}

async function readWith(script: Array<number | string>) {
  const s = scriptedPort(script);
  const result = await readUnixPort(s.port, Buffer.alloc(64), 0, 64, s.readBytes).catch((e: unknown) => e);
  return { result, polls: s.polls(), left: script.length };
}

describe('reading a unix serial port', () => {
  it('two empty reads with a readable poll between them are a hangup, thrown as a disconnect', async () => {
    const { result, polls } = await readWith([0, 0, 5]);
    expect(result).toBeInstanceOf(PortReadError);
    expect(result).toMatchObject({ disconnect: true, canceled: false });
    expect((result as Error).message).toMatch(/hung up/);
    expect(polls).toBe(1);
  });

  it('one empty read alone is tolerated: it waits for the poller and reads the data that follows', async () => {
    const { result, polls } = await readWith([0, 5]);
    expect(result).toMatchObject({ bytesRead: 5 });
    expect(polls).toBe(1);
  });

  it('EAGAIN waits for the poller and resets the count of empty reads (the port is still there)', async () => {
    const { result, polls, left } = await readWith(['EAGAIN', 0, 'EAGAIN', 0, 'EWOULDBLOCK', 'EINTR', 3]);
    expect(result).toMatchObject({ bytesRead: 3 });
    expect(polls).toBe(6);
    expect(left).toBe(0);
  });

  it('a poll that fails (EBADF on a hung-up tty) is a hangup; a canceled poll stays canceled', async () => {
    const failingPoll = (error: Error): UnixPort => ({
      isOpen: true,
      fd: 3,
      poller: { once: (_e, callback) => setImmediate(() => callback(error)) },
    });
    const empty = async (): Promise<{ bytesRead: number }> => ({ bytesRead: 0 });
    const ebadf = await readUnixPort(failingPoll(new Error('bad file descriptor')), Buffer.alloc(8), 0, 8, empty).catch(
      (e: unknown) => e,
    );
    expect(ebadf).toMatchObject({ disconnect: true, message: expect.stringMatching(/hung up.*bad file descriptor/) });
    const canceled = Object.assign(new Error('Canceled'), { canceled: true });
    const stopped = await readUnixPort(failingPoll(canceled), Buffer.alloc(8), 0, 8, empty).catch((e: unknown) => e);
    expect(stopped).toBe(canceled);
  });

  it('other errors are thrown as they are (the stream closes the port on them)', async () => {
    const { result } = await readWith(['EIO']);
    expect(result).toMatchObject({ code: 'EIO' });
  });

  it('a closed port ends the read as canceled, and a poller stopped while waiting cancels it too', async () => {
    const closed = scriptedPort([5]);
    (closed.port as { fd: number | null }).fd = null;
    const err = await readUnixPort(closed.port, Buffer.alloc(8), 0, 8, closed.readBytes).catch((e: unknown) => e);
    expect(err).toMatchObject({ canceled: true });
    expect(closed.reads).toEqual([]);

    const stopped: UnixPort = {
      isOpen: true,
      fd: 3,
      poller: {
        once: (_e, callback) => setImmediate(() => callback(Object.assign(new Error('Canceled'), { canceled: true }))),
      },
    };
    const eagain = async (): Promise<{ bytesRead: number }> => {
      throw Object.assign(new Error('EAGAIN'), { code: 'EAGAIN' });
    };
    const err2 = await readUnixPort(stopped, Buffer.alloc(8), 0, 8, eagain).catch((e: unknown) => e);
    expect(err2).toMatchObject({ canceled: true, message: 'Canceled' });
  });
});

describe.skipIf(!requireSocat())('a serial port whose far end goes away', () => {
  // Linux hangs the tty up when the pty's other end closes; a read then fails with EIO or returns 0
  // bytes, whichever comes first. Ten rounds meet both: each must report the port lost.
  it('reads what arrives, and reports the loss when the pty closes, every time', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hangup-'));
    const reasons: string[] = [];
    try {
      for (let round = 0; round < 10; round++) {
        const pty = await openPty({ link: join(dir, `tty${round}`), onData: () => undefined });
        const chunks: Buffer[] = [];
        let lost!: (reason: string) => void;
        const lostReason = new Promise<string>((r) => (lost = r));
        let gotData!: () => void;
        const data = new Promise<void>((r) => (gotData = r));
        const conn = await openSerialConnection({
          path: pty.link!,
          baudRate: 115_200,
          onData: (chunk) => {
            chunks.push(chunk);
            if (Buffer.concat(chunks).includes('\n')) gotData();
          },
          onLost: (reason) => lost(reason),
        });
        try {
          pty.write(Buffer.from(`HELLO ${round}\n`));
          await data;
          expect(Buffer.concat(chunks).toString()).toBe(`HELLO ${round}\n`);
          await pty.stop();
          reasons.push(await lostReason);
        } finally {
          await conn.close();
          await pty.stop();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(reasons).toHaveLength(10);
    for (const reason of reasons)
      expect(reason).toMatch(/^it hung up, unplugged or its other end closed \(|EIO/);
  }, 30_000);
});
