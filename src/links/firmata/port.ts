import type { EventEmitter } from 'node:events';
import { SerialPortStream } from '@serialport/stream';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { BindingInterface } from '../../board/serialport-types.js';
import { nativeBinding } from '../serial/native-binding.js';

/** StandardFirmata's baud rate. */
export const FIRMATA_BAUD_RATE = 57_600;

/**
 * What the Firmata link talks through: `transport` is handed to firmata-io (an emitter of `open`,
 * `data`, `close` and `error` with `write(bytes, cb)`), and emits `close` by itself when the port
 * goes away. `open()` is called after firmata-io is attached, so it hears `open`.
 */
export interface FirmataPort {
  readonly path: string;
  readonly transport: EventEmitter & {
    write(data: Buffer | number[], callback?: (error?: Error | null) => void): unknown;
  };
  open(): Promise<void>;
  /** Closes the port (a `close` emitted for this close is not a lost port). */
  close(): Promise<void>;
}

export interface SerialFirmataPortOptions {
  path: string;
  baudRate?: number | undefined;
  /** serialport-13 binding (default: serialport's native one; the avr8js binding for `avr:` paths). */
  binding?: BindingInterface | undefined;
}

/** A serialport-13 port at 57600 baud: a real Uno, a pseudo-terminal, or an emulated board. */
export function serialFirmataPort(o: SerialFirmataPortOptions): FirmataPort {
  const stream = new SerialPortStream({
    binding: o.binding ?? nativeBinding(),
    path: o.path,
    baudRate: o.baudRate ?? FIRMATA_BAUD_RATE,
    autoOpen: false,
  });
  return {
    path: o.path,
    transport: stream,
    open: () =>
      new Promise<void>((resolve, reject) =>
        stream.open((err) => (err ? reject(portUnavailable(o.path, err)) : resolve())),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream.isOpen) return resolve();
        stream.close(() => resolve());
      }),
  };
}

function portUnavailable(path: string, e: unknown): BridgeError {
  const message = e instanceof Error ? e.message : String(e);
  let hint = '';
  if (/ENOENT|no such file|does not exist/i.test(message))
    hint = ' (no such port: is the board plugged in? `smarthome-bridge ports` lists ports)';
  else if (/EACCES|permission denied/i.test(message))
    hint = ' (permission denied: add your user to the dialout group, then log in again)';
  else if (/EBUSY|locked|resource busy/i.test(message))
    hint = ' (the port is in use by another program, e.g. a serial monitor or avrdude)';
  return new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot open serial port ${path}: ${message}${hint}`, { path });
}
