import type net from 'node:net';
import { Duplex } from 'node:stream';
import { openSocket, type SocketTarget } from '../../bus/socket-target.js';
import { type PayloadSink, PublishTap } from './publish-tap.js';

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

/** Bytes one read of the verifier's socket can take: a 1 ms rest at 20,000 reports a second gathers ~4 KB. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * The socket as the MQTT client sees it. mqtt.js pipes its stream into its parser and resumes it whenever
 * the parser drains, so resting the socket itself would be undone at once: this stream stands between
 * them and decides when the socket reads. The socket reads into one buffer of its own (Node's `onread`),
 * and answering `false` from a read stops the socket reading at once: no Buffer is made per read and no
 * read passes through the socket's own stream (with those gone the verifier took a quarter less CPU,
 * docs/performance.md "Verify's own cost"). Standing there, it also hands the reports to the verifier
 * itself (publish-tap.ts), batched or not (`o` null: every read as it comes), and mqtt.js gets only the
 * rest of the session's packets, copied out of the reused buffer.
 */
export class BatchedSocket extends Duplex {
  readonly #socket: net.Socket;
  /** null: every read as it comes (only the tap). */
  readonly #o: ReadBatching | null;
  /** Takes the reports out before mqtt.js parses them (publish-tap.ts). */
  readonly #tap: PublishTap | undefined;
  /** Ends a rest; made at the first and re-armed for each after (no timer object per rest). */
  #restTimer: NodeJS.Timeout | undefined;
  #resting = false;
  #wanted = true;
  #busy = false;
  #windowStart = performance.now();
  #windowBytes = 0;
  /** Reads of the socket so far. */
  reads = 0;

  /** `open`: makes the socket, given what it must do with each read (Node's `onread` callback). */
  constructor(
    open: (onRead: (n: number, buffer: Buffer) => boolean) => net.Socket,
    o: ReadBatching | null,
    onPublish?: PayloadSink,
  ) {
    super({ allowHalfOpen: false });
    const socket = open((n, buffer) => this.#onRead(buffer.subarray(0, n)));
    this.#socket = socket;
    this.#o = o;
    this.#tap = onPublish ? new PublishTap(onPublish, (acks) => socket.writable && socket.write(acks)) : undefined;
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => this.destroy());
    socket.on('connect', () => this.emit('connect'));
    socket.on('secureConnect', () => this.emit('secureConnect'));
    // Flowing once and for good: reads are started and stopped on the handle (#flow, #onRead), and the end
    // of the connection reaches 'end' without anyone reading the socket's stream.
    socket.resume();
  }

  /** One read, in the socket's reused buffer; false stops the socket reading until #flow starts it. */
  #onRead(chunk: Buffer): boolean {
    this.reads++;
    const forward = this.#tap ? this.#tap.take(chunk) : Buffer.from(chunk);
    if (forward && !this.push(forward)) this.#wanted = false;
    const o = this.#o;
    if (o) {
      this.#windowBytes += chunk.length;
      const now = performance.now();
      if (now - this.#windowStart >= 1000) {
        this.#busy = (this.#windowBytes * 1000) / (now - this.#windowStart) > o.busyBytesPerS;
        this.#windowStart = now;
        this.#windowBytes = 0;
      }
      if (this.#busy) this.#rest(o.batchMs);
    }
    return this.#wanted && !this.#resting;
  }

  #rest(ms: number): void {
    this.#resting = true;
    if (this.#restTimer) this.#restTimer.refresh();
    else
      this.#restTimer = setTimeout(() => {
        this.#resting = false;
        this.#flow();
      }, ms);
  }

  /** The socket reads again once the client wants data and the socket is not resting. */
  #flow(): void {
    if (this.#wanted && !this.#resting && !this.destroyed) this.#socket.resume();
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
    clearTimeout(this.#restTimer);
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
export function openBatchedSocket(t: SocketTarget, o: ReadBatching | null, onPublish?: PayloadSink): BatchedSocket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return new BatchedSocket((callback) => openSocket(t, { onread: { buffer, callback } }), o, onPublish);
}
