import { ErrorCode } from '../../core/errors.js';
import { MAX_LINE_LENGTH } from './line-types.js';

/**
 * Cuts a byte stream into lines (docs/serial-protocol.md §2). Bounded: it holds at most
 * `maxLength + 1` bytes of an unfinished line (the line plus a possible `\r`); longer lines are
 * dropped up to their terminator and reported once. Lines end with `\n`; one `\r` right before it is
 * removed. A line holding any byte outside printable ASCII (NUL, other control bytes, a stray `\r`,
 * bytes ≥ 0x80) is reported as garbled. Empty lines are skipped without a report, so a sender may
 * send a lone `\n` to resynchronise.
 */

export type SplitItem =
  | { ok: true; line: string }
  | { ok: false; code: typeof ErrorCode.LINE_TOO_LONG | typeof ErrorCode.LINE_GARBLED; reason: string };

export interface SplitterCounters {
  lines: number;
  tooLong: number;
  garbled: number;
}

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  readonly #buffer: Uint8Array;
  #length = 0;
  /** Bytes of the current line beyond what was buffered (the line is being dropped). */
  #overflow = 0;
  readonly #counters: SplitterCounters = { lines: 0, tooLong: 0, garbled: 0 };

  constructor(readonly maxLength: number = MAX_LINE_LENGTH) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new RangeError(`maxLength must be a positive integer`);
    this.#buffer = new Uint8Array(maxLength + 1);
  }

  /** Feeds a chunk (a string is taken as UTF-8); returns the lines and rejections it completed. */
  feed(chunk: Uint8Array | string): SplitItem[] {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const items: SplitItem[] = [];
    for (const byte of bytes) {
      if (byte === LF) {
        const item = this.#finish();
        if (item !== undefined) items.push(item);
      } else if (this.#length < this.#buffer.length) {
        this.#buffer[this.#length++] = byte;
      } else {
        this.#overflow++;
      }
    }
    return items;
  }

  /** Bytes held of a line not yet terminated. */
  get pending(): number {
    return this.#length + this.#overflow;
  }

  get counters(): Readonly<SplitterCounters> {
    return { ...this.#counters };
  }

  /** Forgets an unfinished line (e.g. after the port reopened). Counters are kept. */
  reset(): void {
    this.#length = 0;
    this.#overflow = 0;
  }

  #finish(): SplitItem | undefined {
    const overflowed = this.#overflow > 0;
    let length = this.#length;
    this.reset();
    if (length > 0 && this.#buffer[length - 1] === CR) length--;
    if (overflowed || length > this.maxLength) {
      this.#counters.tooLong++;
      return { ok: false, code: ErrorCode.LINE_TOO_LONG, reason: `line longer than ${this.maxLength} bytes dropped` };
    }
    return length === 0 ? undefined : this.#text(length);
  }

  #text(length: number): SplitItem {
    let line = '';
    for (let i = 0; i < length; i++) {
      const byte = this.#buffer[i]!;
      if (byte < 0x20 || byte > 0x7e) {
        this.#counters.garbled++;
        return {
          ok: false,
          code: ErrorCode.LINE_GARBLED,
          reason: `non-printable byte 0x${byte.toString(16).padStart(2, '0')} at ${i}`,
        };
      }
      line += String.fromCharCode(byte);
    }
    this.#counters.lines++;
    return { ok: true, line };
  }
}
