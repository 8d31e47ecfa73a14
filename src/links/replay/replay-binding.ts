import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
} from '../../board/serialport-types.js';
import { CanceledError, ReceiveQueue } from '../../board/receive-queue.js';
import type { ReplayBoard } from './replay-board.js';

/**
 * A serialport-13 binding with one port: the replayed board. The serial link runs over it unchanged,
 * so a replay goes through exactly the code a real board's lines go through.
 */
export function createReplayBinding(
  board: ReplayBoard,
  path: string,
): BindingInterface<ReplayPort, OpenOptions, PortInfo> {
  let open: ReplayPort | undefined;
  return {
    async list() {
      return [
        {
          path,
          manufacturer: 'smarthome-bridge (replay)',
          serialNumber: undefined,
          pnpId: undefined,
          locationId: undefined,
          vendorId: undefined,
          productId: undefined,
        },
      ];
    },
    async open(options: OpenOptions) {
      if (options.path !== path)
        throw Object.assign(new Error(`no such replay port ${options.path}`), { code: 'ENOENT' });
      if (open?.isOpen) throw new Error(`${path} is already open`);
      open = new ReplayPort(board, { ...options } as Required<OpenOptions>);
      return open;
    },
  };
}

export class ReplayPort implements BindingPortInterface {
  isOpen = true;
  readonly #rx = new ReceiveQueue();

  constructor(
    readonly board: ReplayBoard,
    readonly openOptions: Required<OpenOptions>,
  ) {
    board.attach((bytes) => this.#rx.push(bytes));
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    this.board.detach();
    this.#rx.cancel();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) throw new Error('Port is not open');
    return { buffer, bytesRead: await this.#rx.read(buffer, offset, length) };
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
    this.#rx.clear();
  }
  async drain(): Promise<void> {}
}
