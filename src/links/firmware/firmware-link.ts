import type { Logger } from 'pino';
import type { DevicesConfig } from '../../config/schema.js';
import { TypedEmitter } from '../../core/events.js';
import { Environment } from '../../environment/room.js';
import type { StatusString } from '../../home/types.js';
import type { Link, LinkEvents, LinkState } from '../link.js';
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
}

/**
 * Our compiled sketch running on an emulated Uno, with the room wired to its pins. The host side is
 * exactly the serial link: a SerialLink over a serialport binding whose port is the board's USART
 * (opening it resets the board, like the DTR line of a real Uno). Everything runs on board time —
 * the serial link's timeouts and the environment alike — so an unpaced board gives the same answers
 * as a paced one, only sooner.
 */
export class FirmwareLink extends TypedEmitter<LinkEvents> implements Link, WithPhysicalAccess, WithFaultInjection {
  readonly kind = 'firmware' as const;
  readonly board: Board;
  readonly clock: BoardClock;
  readonly environment: Environment;
  readonly wiring: EnvironmentWiring;
  readonly serial: SerialLink;
  /** The USB cable: keeps the board powered while the port is closed; unplug, replug, noise, reset. */
  readonly cable: UsbCable;
  readonly speed: number;
  readonly path: string;
  /** While true the board keeps running when the serial port closes, as a powered Uno does. */
  #powered = false;

  /** Loads a .hex (default: the committed build) and builds the link; a corrupt file is HEX_INVALID. */
  static async fromFile(hexPath: string | undefined, options: Omit<FirmwareLinkOptions, 'program' | 'source'>): Promise<FirmwareLink> {
    const source = hexPath ?? DEFAULT_FIRMWARE_HEX;
    return new FirmwareLink({ ...options, program: await loadFirmware(source), source });
  }

  constructor(o: FirmwareLinkOptions) {
    super();
    this.speed = o.speed ?? 1;
    if (!(this.speed > 0)) throw new RangeError(`speed must be > 0 (Infinity = unpaced), got ${this.speed}`);
    this.board = new Board(o.program, o.board);
    this.clock = new BoardClock(this.board, o.origin ?? 0, () => this.speed);
    const envConfig = o.seed === undefined ? o.config.environment : { ...o.config.environment, seed: o.seed };
    this.environment = new Environment(envConfig, this.clock.now());
    this.wiring = new EnvironmentWiring({ board: this.board, config: o.config, environment: this.environment, clock: this.clock });
    this.path = `${AVR_PATH_PREFIX}${o.source ?? 'program'}`;
    const run: RunOptions = { speed: this.speed };
    this.cable = new UsbCable(createAvrBinding({ boards: new Map([[this.path, this.board]]), run }), run, () => this.#powered);
    this.serial = new SerialLink({
      path: this.path,
      binding: this.cable.binding,
      clock: this.clock,
      logger: o.logger,
      commandTimeoutMs: o.config.bus.commandTimeoutMs,
      timing: o.timing,
      kind: 'firmware',
      build: o.config,
    });
    this.serial.on('status', (r) => this.emit('status', r));
    this.serial.on('sensor', (r) => this.emit('sensor', r));
    this.serial.on('event', (e) => this.emit('event', e));
    this.serial.on('error', (e) => this.emit('error', e));
    this.serial.on('state', (s) => this.emit('state', s));
  }

  /** Faults of the cable and the board (serial-garbage, unplug, replug, board-reset). */
  get faults(): UsbCable {
    return this.cable;
  }
  /** Buttons, window and weather: the wiring around the board. */
  get physical(): PhysicalAccess {
    return this.wiring;
  }
  get state(): LinkState {
    return this.serial.state;
  }
  get status(): StatusString | undefined {
    return this.serial.status;
  }

  /** Opens the port (the board boots) and runs the serial link's handshake. */
  async start(): Promise<void> {
    this.#powered = true;
    try {
      await this.serial.start();
    } catch (e) {
      this.#powered = false;
      this.board.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    this.#powered = false;
    await this.serial.stop();
    this.board.stop();
  }

  apply(command: StatusString): Promise<StatusString> {
    return this.serial.apply(command);
  }
  requestStatus(): Promise<StatusString> {
    return this.serial.requestStatus();
  }
  counters(): Record<string, number> {
    return this.serial.counters();
  }
}
