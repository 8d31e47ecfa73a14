import { createWriteStream, type WriteStream } from 'node:fs';
// TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { BridgeError, ErrorCode } from '../core/errors.js';
import { bytesToData, encodeEntry, encodeHeader, type RecordingEntry, type Sender } from '../links/replay/format.js';
import { SerialTap } from './serial-tap.js';

/**
 * Records a board's serial traffic to a file (src/links/replay/format.ts). Bytes are joined into one entry
 * per line; a line left unfinished is written after `partialFlushMs` or at `maxEntryBytes`, so noise
 * without newlines is recorded too, and bounded.
 */
export interface RecorderOptions {
  port: string;
  baudRate: number;
  /** The file to write (JSON lines). */
  out: string;
  binding?: BindingInterface | undefined;
  /** Expose the board on a pty for a host program (e.g. `smarthome-bridge run --link serial`). */
  pty?: { link?: string | undefined } | undefined;
  /** Wall milliseconds (default performance.now). */
  now?: (() => number) | undefined;
  partialFlushMs?: number | undefined;
  maxEntryBytes?: number | undefined;
  /** Also told of every chunk (e.g. to show the traffic). */
  onTraffic?: ((from: Sender, bytes: Buffer) => void) | undefined;
}

export interface Recorder {
  readonly tap: SerialTap;
  /** Entries written so far. */
  readonly entries: number;
  stop(): Promise<void>;
}

export async function startRecorder(o: RecorderOptions): Promise<Recorder> {
  const now = o.now ?? (() => performance.now());
  const start = now();
  const out: WriteStream = createWriteStream(o.out, { flags: 'w' });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', (e) =>
      reject(new BridgeError(ErrorCode.CONFIG_UNREADABLE, `cannot write the recording ${o.out}: ${e.message}`)),
    );
  });
  out.write(encodeHeader({ port: o.port, baudRate: o.baudRate, started: new Date().toISOString() }));
  let entries = 0;
  const write = (e: RecordingEntry): void => {
    entries++;
    out.write(encodeEntry(e));
  };
  const joiners: Record<Sender, LineJoiner> = {
    board: new LineJoiner('board', write, o.partialFlushMs ?? 100, o.maxEntryBytes ?? 1024),
    host: new LineJoiner('host', write, o.partialFlushMs ?? 100, o.maxEntryBytes ?? 1024),
  };
  let tap: SerialTap;
  try {
    tap = await SerialTap.open({
      port: o.port,
      baudRate: o.baudRate,
      binding: o.binding,
      pty: o.pty,
      onTraffic: (from, bytes) => {
        joiners[from].feed(bytes, now() - start);
        o.onTraffic?.(from, bytes);
      },
    });
  } catch (e) {
    out.destroy();
    throw e;
  }
  let stopped = false;
  return {
    tap,
    get entries() {
      return entries;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await tap.stop();
      joiners.board.flush(now() - start);
      joiners.host.flush(now() - start);
      await new Promise<void>((resolve) => out.end(() => resolve()));
    },
  };
}

/** Joins one sender's chunks into line entries. */
class LineJoiner {
  #pending: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #lastT = 0;

  constructor(
    readonly from: Sender,
    readonly write: (e: RecordingEntry) => void,
    readonly partialFlushMs: number,
    readonly maxBytes: number,
  ) {}

  feed(bytes: Uint8Array, t: number): void {
    this.#lastT = t;
    for (const b of bytes) {
      this.#pending.push(b);
      if (b === 0x0a || this.#pending.length >= this.maxBytes) this.flush(t);
    }
    clearTimeout(this.#timer);
    this.#timer = this.#pending.length > 0 ? setTimeout(() => this.flush(this.#lastT), this.partialFlushMs) : undefined;
  }

  flush(t: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    this.write({ t, from: this.from, data: bytesToData(Uint8Array.from(this.#pending)) });
    this.#pending = [];
  }
}
