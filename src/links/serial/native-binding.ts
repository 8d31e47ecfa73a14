import { read } from 'node:fs';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import type { BindingInterface, BindingPortInterface } from '../../board/serialport-types.js';

/**
 * serialport's native binding, with reads that notice a hung-up port.
 *
 * When a USB serial adapter is unplugged, or the far end of a pseudo-terminal closes, Linux hangs the
 * tty up: a read then fails with EIO, or returns 0 bytes (end of file), and polling the fd fails.
 * @serialport/bindings-cpp 13 retries a 0-byte read at once, forever (serialport/bindings-cpp#162):
 * the port never reports its loss, and the process spins a core until something else (the serial
 * link's silence watchdog, seconds later) closes it. Here the read of a unix port is replaced: a
 * 0-byte read waits for the poller, and a failed poll or a second 0-byte read is the hangup, thrown
 * as a disconnect so the stream closes with `disconnected` at once. One 0-byte read alone is
 * tolerated (a driver that returns one without a hangup is then still read, not closed).
 * Ports without a file descriptor and poller (Windows, the mock and avr8js bindings) are left as they are.
 */
export function nativeBinding(): BindingInterface {
  return hangupAwareBinding(SerialPort.binding);
}

/** `binding` with the read of every unix port it opens replaced by `readUnixPort`. */
function hangupAwareBinding(binding: BindingInterface): BindingInterface {
  return {
    list: () => binding.list(),
    async open(options) {
      const port = await binding.open(options);
      if (isUnixPort(port)) {
        const unix = port;
        // An own property shadows the class's read; everything else stays the binding's.
        unix.read = (buffer, offset, length) => readUnixPort(unix, buffer, offset, length);
      }
      return port;
    },
  };
}

/** What bindings-cpp's Linux and macOS port objects carry beside the binding interface. */
export interface UnixPort {
  readonly isOpen: boolean;
  fd: number | null;
  poller: { once(event: 'readable', callback: (err: Error | null) => void): unknown };
}

function isUnixPort(port: BindingPortInterface): port is BindingPortInterface & UnixPort {
  const p = port as Partial<UnixPort>;
  return typeof p.fd === 'number' && typeof p.poller?.once === 'function';
}

type ReadFd = (fd: number, buffer: Buffer, offset: number, length: number) => Promise<{ bytesRead: number }>;

const readAsync = promisify(read);
const readFd: ReadFd = (fd, buffer, offset, length) => readAsync(fd, buffer, offset, length, null);

/** A read error @serialport/stream understands: `canceled` ends a read quietly, anything else closes the port. */
export class PortReadError extends Error {
  readonly canceled: boolean;
  readonly disconnect: boolean;
  constructor(message: string, kind: 'canceled' | 'disconnect') {
    super(message);
    this.name = 'PortReadError';
    this.canceled = kind === 'canceled';
    this.disconnect = kind === 'disconnect';
  }
}

const RETRY = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);

/**
 * Reads at least one byte from a non-blocking tty: on EAGAIN waits for the poller, on a 0-byte read
 * waits once and then calls it a hangup. Other errors (EIO after a hangup, ENXIO after an unplug) are
 * thrown as they are; the stream closes the port on them.
 */
export async function readUnixPort(
  port: UnixPort,
  buffer: Buffer,
  offset: number,
  length: number,
  readBytes: ReadFd = readFd,
): Promise<{ bytesRead: number; buffer: Buffer }> {
  let emptyReads = 0;
  for (;;) {
    if (!port.isOpen || port.fd === null) throw new PortReadError('Port is not open', 'canceled');
    let bytesRead: number;
    try {
      ({ bytesRead } = await readBytes(port.fd, buffer, offset, length));
    } catch (e) {
      if (!RETRY.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
      emptyReads = 0; // nothing to read yet: the port is there
      await readable(port);
      continue;
    }
    if (bytesRead > 0) return { bytesRead, buffer };
    if (++emptyReads >= 2) throw hungUp('end of file');
    await readable(port); // a hung-up tty is readable at once (the next read tells), or its poll fails
  }
}

function hungUp(how: string): PortReadError {
  return new PortReadError(`it hung up, unplugged or its other end closed (${how})`, 'disconnect');
}

/**
 * Resolves when the poller calls the port readable. Rejects as canceled when the poller is stopped (the
 * port is being closed), and as a hangup when the poll itself fails: libuv cannot poll a hung-up tty (EBADF).
 */
function readable(port: UnixPort): Promise<void> {
  if (!port.isOpen) return Promise.reject(new PortReadError('Port is not open', 'canceled'));
  return new Promise((resolve, reject) => {
    port.poller.once('readable', (err) => {
      if (!err) resolve();
      else reject((err as { canceled?: boolean }).canceled ? err : hungUp(err.message));
    });
  });
}
