import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus } from '../../board/serialport-types.js';
import type { ReplayBoard } from './replay-board.js';

/**
 * A serialport-13 binding with one port: the replayed board. The serial link runs over it unchanged,
 * so a replay goes through exactly the code a real board's lines go through.
 */
export class CanceledError extends Error {
  readonly canceled = true;
}

export function createReplayBinding(board: ReplayBoard, path: string): BindingInterface<ReplayPort, OpenOptions, PortInfo> {
  let open: ReplayPort | undefined;
  return {
    async list() {
      return [{ path, manufacturer: 'smarthome-bridge (replay)', serialNumber: undefined, pnpId: undefined, locationId: undefined, vendorId: undefined, productId: undefined }];
    },
    async open(options: OpenOptions) {
      if (options.path !== path) throw Object.assign(new Error(`no such replay port ${options.path}`), { code: 'ENOENT' });
      if (open?.isOpen) throw new Error(`${path} is already open`);
      open = new ReplayPort(board, { ...options } as Required<OpenOptions>);
      return open;
    },
  };
}

export class ReplayPort implements BindingPortInterface {
  isOpen = true;
  #rx: Buffer = Buffer.alloc(0);
  #pendingRead: ((err?: Error) => void) | undefined;

  constructor(
    readonly board: ReplayBoard,
    readonly openOptions: Required<OpenOptions>,
  ) {
    board.attach((bytes) => {
      this.#rx = Buffer.concat([this.#rx, bytes]);
      this.#settle();
    });
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.board.detach();
    this.#rx = Buffer.alloc(0);
    this.#settle(new CanceledError('port is closed'));
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new Error('Port is not open');
    while (this.#rx.length === 0) {
      await new Promise<void>((resolve, reject) => {
        this.#pendingRead = (err) => (err ? reject(err) : resolve());
      });
    }
    const bytesRead = this.#rx.copy(buffer, offset, 0, Math.min(length, this.#rx.length));
    this.#rx = this.#rx.subarray(bytesRead);
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) throw new CanceledError('port is closed');
    this.board.hostBytes(buffer);
  }

  async update(options: { baudRate: number }): Promise<void> {
    this.openOptions.baudRate = options.baudRate;
  }
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: false, dsr: false, dcd: false };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.#rx = Buffer.alloc(0);
  }
  async drain(): Promise<void> {}

  #settle(err?: Error): void {
    const pending = this.#pendingRead;
    this.#pendingRead = undefined;
    pending?.(err);
  }
}
