import type { DevicesConfig } from '../../config/schema.js';
import { Environment } from '../../environment/room.js';
import { Board } from '../../board/board.js';
import { BoardClock } from '../../board/board-clock.js';
import { DEFAULT_FIRMWARE_HEX, loadFirmware } from '../../board/firmware-file.js';
import { startPtyBridge, type PtyBridge } from './pty-bridge.js';
import { EnvironmentWiring } from './wiring.js';

export interface VirtualArduinoOptions {
  config: DevicesConfig;
  /** Firmware .hex (default: the committed build of firmware/smarthome). */
  hex?: string | undefined;
  /** A stable symlink to the pseudo-terminal, e.g. /tmp/ttyUNO. */
  link?: string | undefined;
  /** Pacing (default 1 = real time, as a real Uno). */
  speed?: number | undefined;
  /** Overrides devices.json's environment seed. */
  seed?: number | undefined;
  /** Board time 0 on this timeline (default: now, in ms since the epoch), for the room's time of day. */
  origin?: number | undefined;
}

export interface VirtualArduino {
  readonly board: Board;
  readonly wiring: EnvironmentWiring;
  readonly environment: Environment;
  readonly pty: PtyBridge;
  readonly hex: string;
  /** Stops the board and socat (by pid) and removes the link. */
  stop(): Promise<void>;
}

/**
 * Our sketch on an emulated Uno, wired to a seeded room, with its USART on a pseudo-terminal: any
 * serial program — `smarthome-bridge --link serial --port <pty>` included — opens it like a USB
 * Arduino. Opening the pty does not reset the board (there is no DTR line through socat); the serial
 * link then probes the running board with PING, as it does with an Uno whose auto-reset is disabled.
 */
export async function startVirtualArduino(o: VirtualArduinoOptions): Promise<VirtualArduino> {
  const hex = o.hex ?? DEFAULT_FIRMWARE_HEX;
  const board = new Board(await loadFirmware(hex));
  const clock = new BoardClock(board, o.origin ?? Date.now(), () => o.speed ?? 1);
  const envConfig = o.seed === undefined ? o.config.environment : { ...o.config.environment, seed: o.seed };
  const environment = new Environment(envConfig, clock.now());
  const wiring = new EnvironmentWiring({ board, config: o.config, environment, clock });
  let pty: PtyBridge;
  try {
    pty = await startPtyBridge({ board, link: o.link });
  } catch (e) {
    wiring.detach();
    throw e;
  }
  board.start({ speed: o.speed ?? 1 });
  let stopped: Promise<void> | undefined;
  return {
    board,
    wiring,
    environment,
    pty,
    hex,
    stop() {
      stopped ??= (async () => {
        board.stop();
        wiring.detach();
        await pty.stop();
      })();
      return stopped;
    },
  };
}
