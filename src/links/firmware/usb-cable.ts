import { randomBytes } from 'node:crypto';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { FaultInjection, LinkFault, LinkFaultOptions } from '../faults.js';
import type { AvrBinding, AvrPort } from '../../board/avr-binding.js';
import type { RunOptions } from '../../board/runner.js';
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
} from '../../board/serialport-types.js';

/**
 * The USB cable between the host and an emulated Uno: a serialport binding around the avr binding that
 * behaves as a powered board on a real cable does, and can suffer a cable's faults.
 *
 * - Power: closing the port does not stop the board (a USB-powered Uno runs on); only the owner's
 *   `powered()` going false does. The host's reopen backoff runs on board time, so that matters.
 * - `unplug`: the open port fails its pending read with a plain error, which serialport reports as a
 *   disconnect (not a cancel), and opening fails until `replug`. The board keeps running.
 * - `serial-garbage`: bytes appear on the board's TX line (noise the host must drop and count).
 * - `board-reset`: the board restarts (its reset button).
 */
export class UsbCable implements FaultInjection {
  readonly supported: readonly LinkFault[] = ['serial-garbage', 'unplug', 'replug', 'board-reset'];
  readonly binding: BindingInterface;
  #unplugged = false;
  #port: CablePort | undefined;

  constructor(
    readonly avr: AvrBinding,
    readonly run: RunOptions,
    readonly powered: () => boolean,
  ) {
    this.binding = {
      list: () => (this.#unplugged ? Promise.resolve([]) : avr.list()),
      open: async (options: OpenOptions) => {
        if (this.#unplugged)
          throw new BridgeError(ErrorCode.PORT_UNAVAILABLE, `${options.path}: no such device (the cable is unplugged)`);
        const port = new CablePort(
          await avr.open(options),
          () => this.#unplugged,
          () => this.#closed(port),
        );
        this.#port = port;
        return port;
      },
    };
  }

  get unplugged(): boolean {
    return this.#unplugged;
  }

  async inject(fault: LinkFault, options: LinkFaultOptions = {}): Promise<void> {
    switch (fault) {
      case 'serial-garbage': {
        const bytes = options.bytes ?? Buffer.concat([randomBytes(24), Buffer.from('\n')]);
        this.#board()?.lineNoise(bytes);
        return;
      }
      case 'unplug':
        this.#unplugged = true;
        await this.#port?.pull();
        // Closing the AvrPort stopped the board; it is still powered.
        if (this.powered()) this.#board()?.start(this.run);
        return;
      case 'replug':
        this.#unplugged = false;
        return;
      case 'board-reset':
        this.#board()?.reset();
        return;
    }
  }

  #board() {
    return [...this.avr.boards.values()][0];
  }

  #closed(port: CablePort): void {
    if (this.#port === port) this.#port = undefined;
    if (this.powered()) port.inner.board.start(this.run);
  }
}

/** An open port through the cable: the board's AvrPort, which a pulled cable cuts off. */
class CablePort implements BindingPortInterface {
  #closed = false;

  constructor(
    readonly inner: AvrPort,
    readonly unplugged: () => boolean,
    readonly onClose: () => void,
  ) {}

  /** Open until the host closes it: a pulled cable leaves the host's handle open (its reads fail). */
  get isOpen(): boolean {
    return !this.#closed;
  }
  get openOptions(): Required<OpenOptions> {
    return this.inner.openOptions;
  }

  /** The cable is pulled: the port goes away under the host (its read fails as a disconnect). */
  async pull(): Promise<void> {
    if (this.inner.isOpen) await this.inner.close();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    try {
      return await this.inner.read(buffer, offset, length);
    } catch (e) {
      if (this.unplugged() && !this.#closed) throw new Error('the device was unplugged'); // no `canceled`: a disconnect
      throw e;
    }
  }
  write(buffer: Buffer): Promise<void> {
    return this.unplugged() ? Promise.reject(new Error('the device was unplugged')) : this.inner.write(buffer);
  }
  async close(): Promise<void> {
    if (this.#closed) throw new Error('Port is not open');
    this.#closed = true;
    if (this.inner.isOpen) await this.inner.close();
    this.onClose();
  }
  update(options: UpdateOptions): Promise<void> {
    return this.inner.update(options);
  }
  set(options: SetOptions): Promise<void> {
    return this.inner.set(options);
  }
  get(): Promise<PortStatus> {
    return this.inner.get();
  }
  getBaudRate(): Promise<{ baudRate: number }> {
    return this.inner.getBaudRate();
  }
  flush(): Promise<void> {
    return this.inner.flush();
  }
  drain(): Promise<void> {
    return this.inner.drain();
  }
}
