// TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
import type { MockPortBinding } from '@serialport/binding-mock' with { 'resolution-mode': 'require' };
import { SerialPortMock } from 'serialport';
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortStatus,
  SetOptions,
  UpdateOptions,
  // TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
  // biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { decodeHostLine } from '../../src/links/serial/line-codec.js';
import type { HostLine } from '../../src/links/serial/line-types.js';

/**
 * A serial port on @serialport/binding-mock 10.2.2 for byte-exact link tests, plus what the mock lacks:
 * unplugging (a pending read fails with a non-canceled error, which serialport treats as a disconnect;
 * opening fails while unplugged) and a hook on every line the host writes.
 *
 * binding-mock keeps one module-global registry of ports: every test uses its own path.
 */
export interface MockSerial {
  readonly binding: BindingInterface;
  readonly path: string;
  /** Ports opened so far (the last is the current one). */
  readonly opened: MockPortBinding[];
  /** Whether the current port is open. */
  readonly isOpen: boolean;
  /** Bytes the host wrote to the current port. */
  written(): string;
  /** Lines the host wrote to any port, decoded. */
  readonly hostLines: HostLine[];
  /** Bytes from the board (the current port must be open). */
  emit(data: string | Buffer): void;
  /** Called for each complete host line (decoded); return board lines to answer with. */
  onHostLine: ((line: HostLine) => string | undefined) | undefined;
  unplug(): void;
  plugIn(): void;
}

/** serialport 13 pins binding-mock 10.2.2, so this is @serialport/binding-mock's MockBinding itself. */
const MockBinding = SerialPortMock.binding;
let serial = 0;

/** A fresh mock port with a unique path. */
export function mockSerial(name = 'board'): MockSerial {
  const path = `/dev/mock-${name}-${process.pid}-${++serial}`;
  MockBinding.createPort(path, { echo: false, record: true });
  const opened: MockPortBinding[] = [];
  const wrapped: PluggablePort[] = [];
  const hostLines: HostLine[] = [];
  let unplugged = false;
  let pending = '';

  const mock: MockSerial = {
    path,
    opened,
    hostLines,
    onHostLine: undefined,
    get isOpen() {
      return opened.at(-1)?.isOpen ?? false;
    },
    written: () => opened.at(-1)?.recording.toString('latin1') ?? '',
    emit: (data) => opened.at(-1)!.emitData(data),
    unplug() {
      unplugged = true;
      wrapped.at(-1)?.unplug();
    },
    plugIn() {
      unplugged = false;
    },
    binding: {
      list: () => MockBinding.list(),
      async open(options: OpenOptions) {
        if (unplugged)
          throw Object.assign(new Error(`Error: No such file or directory, cannot open ${options.path}`), {
            code: 'ENOENT',
          });
        const port = await MockBinding.open(options);
        opened.push(port);
        pending = '';
        const plug = new PluggablePort(port, (bytes) => {
          pending += bytes.toString('latin1');
          for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
            const text = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            const line = decodeHostLine(text);
            if (line.type === 'rejected') continue;
            hostLines.push(line);
            const answer = mock.onHostLine?.(line);
            if (answer) setImmediate(() => port.isOpen && port.emitData(answer));
          }
        });
        wrapped.push(plug);
        return plug;
      },
    },
  };
  return mock;
}

class PluggablePort implements BindingPortInterface {
  #failRead: ((e: Error) => void) | undefined;
  constructor(
    readonly inner: MockPortBinding,
    readonly onWrite: (bytes: Buffer) => void,
  ) {}
  get openOptions() {
    return this.inner.openOptions;
  }
  get isOpen(): boolean {
    return this.inner.isOpen;
  }
  unplug(): void {
    this.#failRead?.(Object.assign(new Error('EIO: i/o error, the device was unplugged'), { disconnected: true }));
  }
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    return new Promise((resolve, reject) => {
      this.#failRead = reject;
      this.inner.read(buffer, offset, length).then(resolve, reject);
    });
  }
  async write(buffer: Buffer): Promise<void> {
    await this.inner.write(buffer);
    this.onWrite(buffer);
  }
  close(): Promise<void> {
    return this.inner.close();
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

/** Lets pending I/O (nextTick, promises, setImmediate) run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}
