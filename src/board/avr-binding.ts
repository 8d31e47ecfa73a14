import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { BindingInterface, OpenOptions, PortInfo } from './serialport-types.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { AvrPort } from './avr-port.js';
import { Board } from './board.js';
import { parseIntelHex } from './intel-hex.js';
import type { RunOptions } from './runner.js';

export { AvrPort } from './avr-port.js';
export { CanceledError } from './receive-queue.js';

export type BoardFactory = (path: string) => Board | Promise<Board>;

export interface AvrBindingOptions {
  /**
   * The registry: boards by port path. Boards registered here beforehand are used as they are; boards
   * the factory creates are added, so tests can reach them (`binding.boards.get(path)`).
   */
  boards?: Map<string, Board>;
  /** Creates the board for an unregistered path (default: `avr:<absolute .hex path>`). */
  factory?: BoardFactory;
  /** Pacing while a port is open (default unpaced). */
  run?: RunOptions;
  /** Host-side receive buffer per port in bytes (default 1 MiB). */
  rxBufferBytes?: number;
}

export interface AvrBinding extends BindingInterface<AvrPort, OpenOptions, PortInfo> {
  readonly boards: Map<string, Board>;
}

export const AVR_PATH_PREFIX = 'avr:';

/** Default factory: `avr:/abs/path/firmware.hex` boots that firmware on a fresh board. */
export async function boardFromHexPath(path: string): Promise<Board> {
  const file = path.startsWith(AVR_PATH_PREFIX) ? path.slice(AVR_PATH_PREFIX.length) : '';
  if (!isAbsolute(file)) {
    throw new BridgeError(
      ErrorCode.PORT_UNAVAILABLE,
      `not an emulated board path: ${path} (want avr:<absolute .hex path>)`,
      {
        path,
      },
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new BridgeError(ErrorCode.PORT_UNAVAILABLE, `cannot read firmware ${file}: ${(e as Error).message}`, {
      path,
    });
  }
  return new Board(parseIntelHex(text));
}

/**
 * A serialport-13 binding whose ports are emulated Unos:
 * `new SerialPortStream({ binding: createAvrBinding(), path: 'avr:/abs/fw.hex', baudRate: 115200 })`.
 * Every binding has its own registry, so tests using separate bindings can run in parallel.
 */
export function createAvrBinding(options: AvrBindingOptions = {}): AvrBinding {
  const boards = options.boards ?? new Map<string, Board>();
  const factory = options.factory ?? boardFromHexPath;
  const run = options.run ?? {};
  const rxBufferBytes = options.rxBufferBytes ?? 1 << 20;
  const open = new Set<string>();

  return {
    boards,
    async list(): Promise<PortInfo[]> {
      return [...boards.keys()].map((path) => ({
        path,
        manufacturer: 'smarthome-bridge (avr8js)',
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        vendorId: '2341',
        productId: '0043',
      }));
    },
    async open(opts: OpenOptions): Promise<AvrPort> {
      if (!opts || typeof opts !== 'object') throw new TypeError('"options" is not an object');
      if (!opts.path) throw new TypeError('"path" is not a valid port');
      if (!(opts.baudRate > 0)) throw new TypeError('"baudRate" is not a valid baudRate');
      const { path } = opts;
      if (open.has(path)) throw new BridgeError(ErrorCode.PORT_UNAVAILABLE, `port ${path} is already open`, { path });
      open.add(path);
      try {
        let board = boards.get(path);
        if (!board) {
          board = await factory(path);
          boards.set(path, board);
        }
        const openOptions: Required<OpenOptions> = {
          dataBits: 8,
          lock: true,
          stopBits: 1,
          parity: 'none',
          rtscts: false,
          xon: false,
          xoff: false,
          xany: false,
          hupcl: true,
          ...opts,
        };
        return new AvrPort(board, openOptions, { run, rxBufferBytes, onClose: () => open.delete(path) });
      } catch (e) {
        open.delete(path);
        throw e;
      }
    },
  };
}
