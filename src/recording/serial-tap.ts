import { SerialPortStream } from '@serialport/stream';
// TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { FaultInjection, LinkFault, LinkFaultOptions } from '../links/faults.js';
import type { Sender } from '../links/replay/format.js';
import { openPty, type Pty } from '../links/pty.js';
import { nativeBinding } from '../links/serial/native-binding.js';

export interface SerialTapOptions {
  port: string;
  baudRate: number;
  binding?: BindingInterface | undefined;
  pty?: { link?: string | undefined } | undefined;
  onTraffic?: ((from: Sender, bytes: Buffer) => void) | undefined;
}

/** Noise as a loose connector or a wrong baud rate produces: control bytes, high bytes, a broken line. */
export const DEFAULT_GARBAGE = Buffer.from(
  '\u0000\u00ff\u0013~~\u00f0\u0080garbage\r\n?? *ZZ\nSTATUS command 0161550*00\n',
  'latin1',
);

/**
 * Sits on a board's serial port and sees every byte. With `pty`, it exposes the board to a host program
 * (the bridge's serial link) on a pseudo-terminal and forwards both ways; without, the tap itself is
 * the host (`sendToBoard`). Either way `onTraffic` is told of every chunk — the recorder's input — and
 * with a pty the tap can inject the faults a real cable has: noise, unplug, replug, board reset.
 */
export class SerialTap implements FaultInjection {
  readonly #o: SerialTapOptions;
  readonly #stream: SerialPortStream;
  #pty: Pty | undefined;
  #stopped = false;

  private constructor(o: SerialTapOptions, stream: SerialPortStream) {
    this.#o = o;
    this.#stream = stream;
  }

  static async open(o: SerialTapOptions): Promise<SerialTap> {
    const stream = new SerialPortStream({
      binding: o.binding ?? nativeBinding(),
      path: o.port,
      baudRate: o.baudRate,
      autoOpen: false,
    });
    await new Promise<void>((resolve, reject) =>
      stream.open((err) =>
        err
          ? reject(
              new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot open serial port ${o.port}: ${err.message}`, {
                path: o.port,
              }),
            )
          : resolve(),
      ),
    );
    const tap = new SerialTap(o, stream);
    stream.on('data', (chunk: Buffer) => {
      o.onTraffic?.('board', chunk);
      tap.#pty?.write(chunk);
    });
    stream.on('error', () => undefined); // a vanished board shows as 'close'; the recording simply ends
    if (o.pty) {
      try {
        await tap.#openPty();
      } catch (e) {
        await new Promise<void>((r) => stream.close(() => r()));
        throw e;
      }
    }
    return tap;
  }

  /** Where a host program opens the board (the pty's link, or the pty), when there is a pty. */
  get hostPath(): string | undefined {
    return this.#pty ? (this.#pty.link ?? this.#pty.path) : undefined;
  }

  get supported(): readonly LinkFault[] {
    return this.#o.pty ? ['serial-garbage', 'unplug', 'replug', 'board-reset'] : ['board-reset'];
  }

  /** Writes to the board as the host (recorded as `host`). */
  async sendToBoard(bytes: Uint8Array | string): Promise<void> {
    const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    this.#o.onTraffic?.('host', buf);
    await new Promise<void>((resolve, reject) => this.#stream.write(buf, (err) => (err ? reject(err) : resolve())));
  }

  async inject(fault: LinkFault, options: LinkFaultOptions = {}): Promise<void> {
    if (!this.supported.includes(fault)) {
      throw new BridgeError(
        ErrorCode.FAULT_UNSUPPORTED,
        `the serial tap on ${this.#o.port} cannot inject ${fault} without a pty for the host`,
      );
    }
    switch (fault) {
      case 'serial-garbage': {
        const bytes =
          options.bytes === undefined
            ? DEFAULT_GARBAGE
            : typeof options.bytes === 'string'
              ? Buffer.from(options.bytes, 'latin1')
              : Buffer.from(options.bytes);
        // The host must see it as coming from the board; the board never sees it.
        this.#o.onTraffic?.('board', bytes);
        this.#pty?.write(bytes);
        return;
      }
      case 'unplug':
        await this.#pty?.stop();
        this.#pty = undefined;
        return;
      case 'replug':
        if (this.#pty) return;
        // A Uno plugged back in powers up: it resets, then the host finds its port again. A board that
        // cannot be reset through DTR (a pty peer) simply carries on.
        await this.#resetBoard().catch(() => undefined);
        await this.#openPty();
        return;
      case 'board-reset':
        return this.#resetBoard();
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#pty?.stop();
    this.#pty = undefined;
    if (this.#stream.isOpen) await new Promise<void>((r) => this.#stream.close(() => r()));
  }

  async #openPty(): Promise<void> {
    this.#pty = await openPty({
      link: this.#o.pty?.link,
      onData: (chunk) => {
        this.#o.onTraffic?.('host', chunk);
        this.#stream.write(chunk);
      },
    });
  }

  /** The Uno's auto-reset: DTR released, then asserted again, pulls RESET low for a moment. */
  async #resetBoard(): Promise<void> {
    const set = (dtr: boolean): Promise<void> =>
      new Promise((resolve, reject) => this.#stream.set({ dtr }, (err) => (err ? reject(err) : resolve())));
    try {
      await set(false);
      await new Promise((r) => setTimeout(r, 50));
      await set(true);
    } catch (e) {
      throw new BridgeError(
        ErrorCode.FAULT_UNSUPPORTED,
        `cannot reset the board on ${this.#o.port} through DTR: ${(e as Error).message}`,
        { path: this.#o.port },
      );
    }
  }
}
