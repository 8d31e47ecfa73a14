import type { Logger } from 'pino';
import type { DevicesConfig } from '../../config/schema.js';
import { Environment } from '../../environment/room.js';
import { DelegatingLink } from '../delegating-link.js';
import type { WithFaultInjection } from '../faults.js';
import type { PhysicalAccess, WithPhysicalAccess } from '../physical.js';
import { SerialLink } from '../serial/serial-link.js';
import type { SerialTiming } from '../serial/serial-timing.js';
import { AVR_PATH_PREFIX, createAvrBinding } from '../../board/avr-binding.js';
import { Board, type BoardOptions } from '../../board/board.js';
import { BoardClock } from '../../board/board-clock.js';
import { DEFAULT_FIRMWARE_HEX, loadFirmware } from '../../board/firmware-file.js';
import type { RunOptions } from '../../board/runner.js';
import { UsbCable } from './usb-cable.js';
import { EnvironmentWiring } from './wiring.js';

export interface FirmwareLinkOptions {
  config: DevicesConfig;
  /** The firmware image (see `FirmwareLink.fromFile` for a .hex path). */
  program: Uint16Array;
  /** Where the image came from, for the port path and logs. */
  source?: string | undefined;
  /** Pacing: 1 = real time (default), N = N× real time, Infinity = unpaced (tests). */
  speed?: number | undefined;
  /** Board time 0 on the caller's timeline (ms), so event times line up with the caller's clock. */
  origin?: number | undefined;
  /** Overrides devices.json's environment seed. */
  seed?: number | undefined;
  logger?: Logger | undefined;
  /** Serial link timing overrides (on board time). */
  timing?: Partial<SerialTiming> | undefined;
  board?: BoardOptions | undefined;
  /**
   * Paced boards: how far (wall ms) the board may fall behind before the lag is forgiven rather than
   * caught up (the runner's default 250 ms; Infinity = always catch up, as a fleet that measures lag).
   */
  maxLagMs?: number | undefined;
}

/**
 * Our compiled sketch running on an emulated Uno, with the room wired to its pins. The host side is
 * exactly the serial link: a SerialLink over a serialport binding whose port is the board's USART
 * (opening it resets the board, like the DTR line of a real Uno). Everything runs on board time —
 * the serial link's timeouts and the environment alike — so an unpaced board gives the same answers
 * as a paced one, only sooner.
 */
export class FirmwareLink extends DelegatingLink implements WithPhysicalAccess, WithFaultInjection {
  readonly board: Board;
  readonly clock: BoardClock;
  readonly environment: Environment;
  readonly wiring: EnvironmentWiring;
  readonly serial: SerialLink;
  /** The USB cable: keeps the board powered while the port is closed; unplug, replug, noise, reset. */
  readonly cable: UsbCable;
  readonly speed: number;
  readonly path: string;
  /** While `on` the board keeps running when the serial port closes, as a powered Uno does. */
  readonly #power: { on: boolean };

  /** Loads a .hex (default: the committed build) and builds the link; a corrupt file is HEX_INVALID. */
  static async fromFile(
    hexPath: string | undefined,
    options: Omit<FirmwareLinkOptions, 'program' | 'source'>,
  ): Promise<FirmwareLink> {
    const source = hexPath ?? DEFAULT_FIRMWARE_HEX;
    return new FirmwareLink({ ...options, program: await loadFirmware(source), source });
  }

  constructor(o: FirmwareLinkOptions) {
    const speed = o.speed ?? 1;
    if (!(speed > 0)) throw new RangeError(`speed must be > 0 (Infinity = unpaced), got ${speed}`);
    const board = new Board(o.program, o.board);
    const clock = new BoardClock(board, o.origin ?? 0, () => speed);
    const path = `${AVR_PATH_PREFIX}${o.source ?? 'program'}`;
    const run: RunOptions = { speed, ...(o.maxLagMs !== undefined ? { maxLagMs: o.maxLagMs } : {}) };
    const power = { on: false };
    const cable = new UsbCable(createAvrBinding({ boards: new Map([[path, board]]), run }), run, () => power.on);
    const serial = new SerialLink({
      path,
      binding: cable.binding,
      clock,
      logger: o.logger,
      commandTimeoutMs: o.config.bus.commandTimeoutMs,
      timing: o.timing,
      kind: 'firmware',
      build: o.config,
    });
    super(serial);
    this.speed = speed;
    this.board = board;
    this.clock = clock;
    this.path = path;
    this.cable = cable;
    this.serial = serial;
    this.#power = power;
    const envConfig = o.seed === undefined ? o.config.environment : { ...o.config.environment, seed: o.seed };
    this.environment = new Environment(envConfig, clock.now());
    this.wiring = new EnvironmentWiring({ board, config: o.config, environment: this.environment, clock });
  }

  override get kind(): 'firmware' {
    return 'firmware';
  }
  /** Faults of the cable and the board (serial-garbage, unplug, replug, board-reset). */
  get faults(): UsbCable {
    return this.cable;
  }
  /** Buttons, window and weather: the wiring around the board. */
  get physical(): PhysicalAccess {
    return this.wiring;
  }

  /** Opens the port (the board boots) and runs the serial link's handshake. */
  override async start(): Promise<void> {
    this.#power.on = true;
    try {
      await this.serial.start();
    } catch (e) {
      this.#power.on = false;
      this.board.stop();
      throw e;
    }
  }

  override async stop(): Promise<void> {
    this.#power.on = false;
    await this.serial.stop();
    this.board.stop();
  }
}
