import { SerialPortStream } from '@serialport/stream';
// TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { BridgeError, ErrorCode } from '../../core/errors.js';
import { nativeBinding } from './native-binding.js';

/**
 * One open serial port, reduced to what the link needs: bytes in, lines out, and one notice when
 * the port goes away by itself (USB unplugged, pty peer gone). Any serialport-13 binding works:
 * serialport's native one by default, `@serialport/binding-mock` in tests, the avr8js binding for
 * the emulated board.
 */
export type { BindingInterface };

export interface SerialConnection {
  readonly path: string;
  /** Writes ASCII bytes; rejects when the port is closed or the write fails. */
  write(text: string): Promise<void>;
  /** Closes the port; `onLost` is not called for this close. */
  close(): Promise<void>;
}

export interface SerialConnectionOptions {
  path: string;
  baudRate: number;
  binding?: BindingInterface | undefined;
  onData: (chunk: Buffer) => void;
  /** Called at most once, when the port closed without `close()` being called. */
  onLost: (reason: string) => void;
}

/** Opens a port; rejects with PORT_UNAVAILABLE and a hint for the usual causes. */
export async function openSerialConnection(o: SerialConnectionOptions): Promise<SerialConnection> {
  let stream: SerialPortStream;
  try {
    stream = new SerialPortStream({
      binding: o.binding ?? nativeBinding(),
      path: o.path,
      baudRate: o.baudRate,
      autoOpen: false,
    });
  } catch (e) {
    throw unavailable(o.path, e);
  }
  await new Promise<void>((resolve, reject) =>
    stream.open((err) => (err ? reject(unavailable(o.path, err)) : resolve())),
  );

  let closing = false;
  let lost = false;
  const loseOnce = (reason: string): void => {
    if (closing || lost) return;
    lost = true;
    o.onLost(reason);
  };
  stream.on('data', (chunk: Buffer) => {
    if (!closing) o.onData(chunk);
  });
  stream.on('close', (err: (Error & { disconnected?: boolean }) | null) => loseOnce(err?.message ?? 'the port closed'));
  // Write and read errors after a disconnect arrive here; the port being gone is what matters.
  stream.on('error', (err: Error) => {
    if (!stream.isOpen) loseOnce(err.message);
  });

  return {
    path: o.path,
    write: (text) =>
      new Promise((resolve, reject) => {
        if (closing || !stream.isOpen) {
          reject(new BridgeError(ErrorCode.LINK_NOT_READY, `serial port ${o.path} is not open`));
          return;
        }
        stream.write(text, 'ascii', (err) => (err ? reject(err) : resolve()));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (!stream.isOpen) return resolve();
        stream.close(() => resolve());
      }).finally(() => stream.removeAllListeners('data')),
  };
}

function unavailable(path: string, e: unknown): BridgeError {
  const message = e instanceof Error ? e.message : String(e);
  return new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot open serial port ${path}: ${message}${hint(message)}`, {
    path,
  });
}

function hint(message: string): string {
  if (/ENOENT|no such file|does not exist/i.test(message))
    return ' (no such port: is the board plugged in? `smarthome-bridge ports` lists ports)';
  if (/EACCES|permission denied/i.test(message))
    return ' (permission denied: add your user to the dialout group, then log in again)';
  if (/EBUSY|locked|resource busy/i.test(message))
    return ' (the port is in use by another program, e.g. a serial monitor or avrdude)';
  return '';
}
