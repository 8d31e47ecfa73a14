import type net from 'node:net';
import { Duplex } from 'node:stream';
import { openSocket, type SocketTarget } from '../../bus/socket-target.js';
import { PublishTap } from './publish-tap.js';

/**
 * A verifier reads one socket that carries every report of a fleet. At 20,000 reports a second Node
 * reads that socket thousands of times a second, a few reports each, and those reads (the system calls
 * and the stream machinery around each) cost as much as everything the verifier does with the reports.
 *
 * So while more than `busyBytesPerS` arrive, the socket rests `batchMs` after each read: the kernel
 * gathers what arrives meanwhile and the next read takes it all at once. A report then waits at most
 * about `batchMs` (plus a timer's lateness) before it is counted, and that wait is part of the latency
 * verify reports; below the threshold every report is read as it comes. (The rate is measured in bytes,
 * not reads: resting is what makes reads fewer, and must not switch itself off by doing so.)
 */
export interface ReadBatching {
  batchMs: number;
  busyBytesPerS: number;
}

/** 256 KiB a second is about 1,000 fleet sensor reports. */
export const DEFAULT_READ_BATCHING: ReadBatching = { batchMs: 1, busyBytesPerS: 256 * 1024 };

/**
 * The socket as the MQTT client sees it. mqtt.js pipes its stream into its parser and resumes it whenever
 * the parser drains, so resting the socket itself would be undone at once: this stream stands between
 * them and decides when the socket reads. The socket is made with a read high-water mark of one byte, so
 * a paused socket stops reading after at most one more chunk instead of filling a buffer with small reads.
 * Standing there, it also hands the reports to the verifier itself (publish-tap.ts), batched or not
 * (`o` null: every read as it comes), and mqtt.js gets only the rest of the session's packets.
 */
export class BatchedSocket extends Duplex {
  readonly #socket: net.Socket;
  /** null: every read as it comes (only the tap). */
  readonly #o: ReadBatching | null;
  /** Takes the reports out before mqtt.js parses them (publish-tap.ts). */
  readonly #tap: PublishTap | undefined;
  #resting = false;
  /** A chunk waits in the socket from before the rest ended (a paused socket reads one more). */
  #heldOver = false;
  #wanted = true;
  #busy = false;
  #windowStart = performance.now();
  #windowBytes = 0;
  /** Reads of the socket so far. */
  reads = 0;

  constructor(socket: net.Socket, o: ReadBatching | null, onPublish?: (payload: Buffer) => void) {
    super({ allowHalfOpen: false });
    this.#socket = socket;
    this.#o = o;
    this.#tap = onPublish ? new PublishTap(onPublish, (acks) => socket.writable && socket.write(acks)) : undefined;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => this.destroy());
    socket.on('connect', () => this.emit('connect'));
    socket.on('secureConnect', () => this.emit('secureConnect'));
  }

  #onData(chunk: Buffer): void {
    this.reads++;
    const forward = this.#tap ? this.#tap.take(chunk) : chunk;
    if (forward && !this.push(forward)) this.#wanted = false;
    const o = this.#o;
    if (!o) {
      this.#flow();
      return;
    }
    this.#windowBytes += chunk.length;
    const now = performance.now();
    if (now - this.#windowStart >= 1000) {
      this.#busy = (this.#windowBytes * 1000) / (now - this.#windowStart) > o.busyBytesPerS;
      this.#windowStart = now;
      this.#windowBytes = 0;
    }
    if (this.#heldOver) {
      // Read just after the last rest began and held in the socket since: the next read, of what the
      // kernel gathered during the rest, follows at once.
      this.#heldOver = false;
    } else if (this.#busy && !this.#resting) {
      this.#resting = true;
      setTimeout(() => {
        this.#resting = false;
        this.#heldOver = this.#socket.readableLength > 0;
        this.#flow();
      }, o.batchMs);
    }
    this.#flow();
  }

  /** The socket reads only while the client wants data and the socket is not resting. */
  #flow(): void {
    if (this.#wanted && !this.#resting && !this.destroyed) this.#socket.resume();
    else this.#socket.pause();
  }

  override _read(): void {
    this.#wanted = true;
    this.#flow();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (e?: Error | null) => void): void {
    this.#socket.write(chunk, encoding, done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.#socket.end(done);
  }

  override _destroy(e: Error | null, done: (e?: Error | null) => void): void {
    this.#socket.destroy(e ?? undefined);
    done(e);
  }

  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay);
    return this;
  }
}

/**
 * A connection to the target whose reads are batched while busy (o null: never), and whose PUBLISH
 * packets go to `onPublish` instead of the MQTT client (publish-tap.ts).
 */
export function openBatchedSocket(
  t: SocketTarget,
  o: ReadBatching | null,
  onPublish?: (payload: Buffer) => void,
): BatchedSocket {
  return new BatchedSocket(openSocket(t, o ? { readableHighWaterMark: 1 } : {}), o, onPublish);
}
