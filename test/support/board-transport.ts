import { EventEmitter } from 'node:events';
import { BridgeError, ErrorCode } from '../../src/core/errors.js';
import type { Board } from '../../src/board/board.js';
import type { RunOptions } from '../../src/board/runner.js';
import type { FirmataPort } from '../../src/links/firmata/port.js';

export interface BoardTransportOptions {
  /** How to run the board if it is not running yet (default unpaced). */
  run?: RunOptions;
  /** Name used in messages (default `board`). */
  path?: string;
}

/**
 * An in-process Firmata transport onto an emulated board, for tests: an EventEmitter with
 * `write(bytes, cb)` that firmata-io talks to as it would to a serial port. Bytes written go into the
 * board's USART0 RX queue (with line timing); bytes the board transmits come back as `data`.
 *
 * `open()` emits `open` (johnny-five waits for it before `ready`) and reboots the board, as opening a
 * real Uno's port does through DTR. The board belongs to the caller: closing or unplugging the
 * transport leaves it running (a test's clock may be the board's own).
 */
export class BoardTransport extends EventEmitter implements FirmataPort {
  readonly path: string;
  readonly transport = this;
  #open = false;
  #offSerial: (() => void) | undefined;

  constructor(
    readonly board: Board,
    readonly options: BoardTransportOptions = {},
  ) {
    super();
    this.path = options.path ?? 'board';
  }

  get isOpen(): boolean {
    return this.#open;
  }

  async open(): Promise<void> {
    if (this.#open) return;
    this.#open = true;
    // A caller on the board's own clock may be inside board.step(); reboot the board outside it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.#open) return;
    this.#offSerial = this.board.onSerial((bytes) => {
      if (this.#open) this.emit('data', Buffer.from(bytes));
    });
    this.board.reset();
    if (!this.board.running) this.board.start(this.options.run);
    this.emit('open');
  }

  write(data: Buffer | number[], callback?: (error?: Error | null) => void): boolean {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    void this.#feed(bytes).then(
      () => callback?.(null),
      (e: Error) => (callback ? callback(e) : this.emit('error', e)),
    );
    return true;
  }

  async close(): Promise<void> {
    if (!this.#detach()) return;
    this.emit('close');
  }

  /** The cable is pulled: `close` with a `disconnected` error, as serialport reports it. */
  unplug(): void {
    if (!this.#detach()) return;
    this.emit('close', Object.assign(new Error('the board was unplugged'), { disconnected: true }));
  }

  #detach(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    this.#offSerial?.();
    this.#offSerial = undefined;
    return true;
  }

  #feed(bytes: Buffer): Promise<void> {
    return this.board.writeSerialAll(bytes, () => {
      if (!this.#open) throw new BridgeError(ErrorCode.LINK_CLOSED, `${this.path} is not open`);
    });
  }
}
