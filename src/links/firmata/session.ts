import five from 'johnny-five';
import firmataIo, { type Firmata } from 'firmata-io';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { Clock, Timer } from '../../environment/clock.js';
import type { Outputs } from '../../home/types.js';
import { FirmataActuators } from './actuators.js';
import { checkCapabilities } from './capabilities.js';
import type { FirmataPinMap } from './firmata-pins.js';
import { FirmataInputs, type FirmataInput } from './inputs.js';
import type { FirmataPort } from './port.js';
import { PullupGuard } from './pullup-guard.js';

/**
 * firmata-io asks for the version itself when the board has not reported one this long after the port
 * opened (a board that did not reset on open stays silent). Wall-clock ms, inside firmata-io.
 */
const REPORT_VERSION_TIMEOUT_MS = 3000;

export interface FirmataSessionOptions {
  port: FirmataPort;
  pins: FirmataPinMap;
  clock: Clock;
  /** How long the board may take to answer after the port opened (link clock ms). */
  readyTimeoutMs: number;
  /** No byte from the board for this long (link clock ms) counts as a hung board; 0 = no watchdog. */
  silenceMs: number;
  /** The outputs to show as soon as the board is ready. */
  outputs: () => Outputs;
  onInput: (input: FirmataInput) => void;
  /** Called at most once, when the connection ends by itself after it was ready. */
  onLost: (error: BridgeError, state: 'disconnected' | 'unresponsive') => void;
  logger: Logger;
}

/**
 * One connection to a board running StandardFirmata: the port, firmata-io, a johnny-five Board and the
 * parts on its pins. `open` resolves once the board answered and every pin shows the home's outputs;
 * afterwards a vanished port, a board that restarted (it reports its version again, and has forgotten
 * its pin modes) or a silent board ends the session through `onLost`. `close` leaves no timer behind.
 */
export class FirmataSession {
  readonly io: Firmata;
  readonly board: five.Board;
  #actuators: FirmataActuators | undefined;
  #inputs: FirmataInputs | undefined;
  #readyTimer: Timer | undefined;
  #watchdog: Timer | undefined;
  #lastData: number;
  #ready = false;
  #closed = false;
  #lost: BridgeError | undefined;
  #failStart: ((e: BridgeError) => void) | undefined;

  private constructor(readonly o: FirmataSessionOptions) {
    this.#lastData = o.clock.now();
    this.io = new firmataIo.Firmata(o.port.transport, { reportVersionTimeout: REPORT_VERSION_TIMEOUT_MS });
    // johnny-five's own connect timeout (wall clock) only logs; the link's ready timeout decides.
    this.board = new five.Board({
      io: this.io,
      repl: false,
      debug: false,
      sigint: false,
      timeout: 24 * 3600_000,
    } as five.BoardOption);
    this.io.on('error', (e: Error) => this.o.logger.debug({ err: e.message }, 'firmata transport error'));
    this.board.on('error', (e: Error) => this.o.logger.debug({ err: e.message }, 'johnny-five board error'));
    o.port.transport.on('data', () => (this.#lastData = o.clock.now()));
    o.port.transport.on('close', () =>
      this.#end(
        new BridgeError(ErrorCode.LINK_CLOSED, `serial port ${o.port.path} vanished (unplugged?)`, {
          path: o.port.path,
        }),
        'disconnected',
      ),
    );
    this.io.on('reportversion', () => {
      if (this.#ready) {
        this.#end(
          new BridgeError(
            ErrorCode.LINK_CLOSED,
            `the board on ${o.port.path} restarted (Firmata reported its version again)`,
            { path: o.port.path },
          ),
          'disconnected',
        );
      }
    });
  }

  /** Opens the port, waits for Firmata, checks the pins and shows the outputs; cleans up on failure. */
  static async open(o: FirmataSessionOptions): Promise<FirmataSession> {
    const session = new FirmataSession(o);
    try {
      await session.#start();
      return session;
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  /** Firmware name and version as the board reports them, e.g. `StandardFirmata.ino 2.4`. */
  get firmware(): string {
    const f = this.io.firmware;
    return `${f.name ?? 'Firmata'} ${f.version ? `${f.version.major}.${f.version.minor}` : '?'}`;
  }

  get inputs(): FirmataInputs | undefined {
    return this.#inputs;
  }

  write(outputs: Outputs): void {
    if (!this.#closed && !this.#lost) this.#actuators?.write(outputs);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const { clock } = this.o;
    clock.clearTimer(this.#readyTimer);
    clock.clearTimer(this.#watchdog);
    this.#inputs?.close();
    clearTimeout(this.io.reportVersionTimeoutId);
    clearTimeout((this.board as unknown as { timer?: NodeJS.Timeout }).timer);
    // johnny-five keeps every Board in a module-wide list; a reconnecting link would grow it forever.
    const cache = (five.Board as unknown as { cache: five.Board[] }).cache;
    const i = cache.indexOf(this.board);
    if (i >= 0) cache.splice(i, 1);
    await this.o.port
      .close()
      .catch((e: unknown) => this.o.logger.debug({ err: String(e) }, 'closing the Firmata port failed'));
  }

  async #start(): Promise<void> {
    const { o } = this;
    const ready = new Promise<void>((resolve, reject) => {
      this.#failStart = reject;
      this.board.on('ready', () => resolve());
      this.#readyTimer = o.clock.setTimer(o.readyTimeoutMs, () => reject(noAnswer(o.port.path, o.readyTimeoutMs)));
    });
    // Settled below; until then a timeout must not count as unhandled.
    ready.catch(() => undefined);
    await o.port.open();
    await ready;
    o.clock.clearTimer(this.#readyTimer);
    this.#failStart = undefined;
    if (this.#lost) throw this.#lost;
    checkCapabilities(this.io, o.pins, this.firmware);
    const guard = new PullupGuard(this.io);
    this.#inputs = new FirmataInputs(this.board, this.io, o.pins, guard, o.onInput);
    this.#actuators = new FirmataActuators(this.board, this.io, o.pins, guard, o.outputs());
    this.#lastData = o.clock.now();
    this.#ready = true;
    if (o.silenceMs > 0) this.#armWatchdog();
  }

  #armWatchdog(): void {
    const { clock, silenceMs } = this.o;
    this.#watchdog = clock.setTimer(silenceMs / 4, () => {
      if (this.#closed) return;
      if (clock.now() - this.#lastData > silenceMs) {
        this.#end(
          new BridgeError(
            ErrorCode.LINK_TIMEOUT,
            `the board on ${this.o.port.path} went silent (nothing for ${silenceMs} ms while analog reports were due)`,
            { path: this.o.port.path },
          ),
          'unresponsive',
        );
        return;
      }
      this.#armWatchdog();
    });
  }

  #end(error: BridgeError, state: 'disconnected' | 'unresponsive'): void {
    if (this.#closed || this.#lost) return;
    this.#lost = error;
    if (this.#failStart) {
      this.#failStart(error);
      return;
    }
    this.o.onLost(error, state);
  }
}

function noAnswer(path: string, ms: number): BridgeError {
  return new BridgeError(
    ErrorCode.FIRMATA_TIMEOUT,
    `no Firmata answer on ${path} within ${ms} ms. Likely causes: the wrong port (\`smarthome-bridge ports\` ` +
      'lists them), ' +
      'StandardFirmata not flashed on the board (README: StandardFirmata), or a baud rate other than 57600.',
    { path, timeoutMs: ms },
  );
}
