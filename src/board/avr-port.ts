import type { BindingPortInterface, OpenOptions, PortStatus, SetOptions, UpdateOptions } from './serialport-types.js';
import { receiveAtBaud } from './baud-mismatch.js';
import type { Board } from './board.js';
import { CanceledError, ReceiveQueue } from './receive-queue.js';
import type { RunOptions } from './runner.js';

export interface AvrPortOptions {
  run: RunOptions;
  /** Host-side receive buffer in bytes; overflow is dropped and counted in `rxDropped`. */
  rxBufferBytes: number;
  onClose: () => void;
}

/**
 * One open serial port onto an emulated board. Opening asserts DTR, which reboots the board like the
 * auto-reset of a real Uno, and starts its runner; close() stops it.
 *
 * Baud rates: the host side's `baudRate` is compared with the firmware's USART setting (UBRR). When
 * they differ by more than about 4 %, bytes are re-sampled as a real receiver would (see
 * `receiveAtBaud`), so a mismatch garbles like real hardware. Bytes written before the firmware enables
 * its USART wait in the queue and are delivered unchanged.
 */
export class AvrPort implements BindingPortInterface {
  isOpen = true;
  /** Received bytes dropped because the host-side buffer was full. */
  rxDropped = 0;
  readonly #rx = new ReceiveQueue();
  #dtr = true;
  readonly #offSerial: () => void;

  constructor(
    readonly board: Board,
    readonly openOptions: Required<OpenOptions>,
    readonly options: AvrPortOptions,
  ) {
    this.#offSerial = board.onSerial((bytes) => this.#receive(bytes));
    board.reset();
    board.start(options.run);
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.board.stop();
    this.#offSerial();
    this.board.feeder.clear();
    this.#rx.cancel();
    this.options.onClose();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1) {
      throw new TypeError(`bad read range: offset ${offset}, length ${length}`);
    }
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    if (!this.isOpen) throw new Error('Port is not open');
    return { buffer, bytesRead: await this.#rx.read(buffer, offset, length) };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    if (!this.isOpen) throw new Error('Port is not open');
    const { usart } = this.board;
    const bytes = usart.rxEnable ? receiveAtBaud(buffer, this.openOptions.baudRate, usart.baudRate) : buffer;
    await this.board.writeSerialAll(bytes, () => {
      if (!this.isOpen) throw new CanceledError('port is closed');
    });
  }

  async update(options: UpdateOptions): Promise<void> {
    if (!(options?.baudRate > 0)) throw new TypeError('"options.baudRate" is not a positive number');
    if (!this.isOpen) throw new Error('Port is not open');
    this.openOptions.baudRate = options.baudRate;
  }

  /** Asserting DTR after it was released reboots the board (the Uno's auto-reset capacitor). */
  async set(options: SetOptions): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    const dtr = options.dtr ?? true;
    if (dtr && !this.#dtr) {
      this.#rx.clear();
      this.board.reset();
    }
    this.#dtr = dtr;
  }

  async get(): Promise<PortStatus> {
    if (!this.isOpen) throw new Error('Port is not open');
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    if (!this.isOpen) throw new Error('Port is not open');
    return { baudRate: this.openOptions.baudRate };
  }

  async flush(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.#rx.clear();
    this.board.feeder.clear();
  }

  async drain(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    await this.board.feeder.waitForRoom(0);
  }

  #receive(bytes: Uint8Array): void {
    const { usart } = this.board;
    const data = usart.txEnable ? receiveAtBaud(bytes, usart.baudRate, this.openOptions.baudRate) : bytes;
    const room = this.options.rxBufferBytes - this.#rx.length;
    if (data.length > room) this.rxDropped += data.length - Math.max(0, room);
    if (room <= 0) return;
    this.#rx.push(data.subarray(0, room));
  }
}
