import { SerialPort } from 'serialport';
import { expectedBuild } from '../../src/config/board-build.js';
import type { DevicesConfig } from '../../src/config/schema.js';
import { isBridgeError } from '../../src/core/errors.js';
import { RealClock, type Clock, type Timer } from '../../src/environment/clock.js';
import { Home } from '../../src/home/home.js';
import { BOOT_STATUS } from '../../src/home/status-codec.js';
import type { StatusString } from '../../src/home/types.js';
import { decodeHostLine, encodeBoardLine } from '../../src/links/serial/line-codec.js';
import { LineSplitter } from '../../src/links/serial/line-splitter.js';
import {
  HEARTBEAT_PERIOD_MS,
  SERIAL_PROTOCOL_VERSION,
  type BoardCounters,
  type BoardLine,
  type HostLine,
  type WireStatusCause,
} from '../../src/links/serial/line-types.js';

export interface FakeBoardOptions {
  path: string;
  config: DevicesConfig;
  clock?: Clock;
  initialStatus?: StatusString;
  /** Protocol version in the BOOT line (default: this host's). */
  protocol?: number;
}

/**
 * A peer that plays our Uno sketch on the other end of a serial line (a socat pty): it speaks the line
 * protocol through the codec and answers with the TypeScript Home, so it behaves like the firmware
 * without being it. The Home keeps running while the port is closed — like a board whose USB cable was
 * pulled — and lines it produces meanwhile are lost, as they would be.
 */
export class FakeBoard {
  home: Home;
  /** Every host line received, decoded; rejected lines are only counted. */
  readonly received: HostLine[] = [];
  readonly counters: BoardCounters = { checksum: 0, tooLong: 0, garbled: 0, unknown: 0 };
  readonly #o: FakeBoardOptions;
  readonly #clock: Clock;
  readonly #splitter = new LineSplitter();
  #port: SerialPort | undefined;
  #heartbeat: Timer | undefined;
  #bootedAt: number;

  constructor(options: FakeBoardOptions) {
    this.#o = options;
    this.#clock = options.clock ?? new RealClock();
    this.#bootedAt = this.#clock.now();
    this.home = this.#newHome(options.initialStatus ?? BOOT_STATUS);
    this.home.start();
  }

  /** Opens the serial port (the board's end of the cable). */
  async open(): Promise<void> {
    const port = new SerialPort({ path: this.#o.path, baudRate: 115_200, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('error', () => undefined);
    port.on('data', (chunk: Buffer) => {
      for (const item of this.#splitter.feed(chunk)) {
        if (item.ok) this.#onLine(item.line);
        else this.#countDrop(item.code);
      }
    });
    this.#splitter.reset();
    this.#port = port;
    this.#armHeartbeat();
  }

  async close(): Promise<void> {
    this.#clock.clearTimer(this.#heartbeat);
    const port = this.#port;
    this.#port = undefined;
    if (port?.isOpen) await new Promise((resolve) => port.close(resolve));
  }

  /** A reset: BOOT, then a fresh home at the boot status (the firmware forgets everything). */
  boot(): void {
    this.home.stop();
    this.home.removeAllListeners();
    this.#bootedAt = this.#clock.now();
    this.send({
      type: 'boot',
      firmware: '1.0.0',
      protocol: this.#o.protocol ?? SERIAL_PROTOCOL_VERSION,
      board: 'fake-uno',
    });
    this.home = this.#newHome(BOOT_STATUS);
    this.home.start();
  }

  send(line: BoardLine): void {
    this.sendRaw(encodeBoardLine(line));
  }

  sendRaw(bytes: string | Buffer): void {
    if (this.#port?.isOpen) this.#port.write(bytes);
  }

  async stop(): Promise<void> {
    this.home.stop();
    await this.close();
  }

  #newHome(initialStatus: StatusString): Home {
    const home = new Home({
      config: this.#o.config,
      clock: this.#clock,
      initialStatus,
      sensors: { climate: () => ({ temperature: 22.5, humidity: 40 }), raining: () => false },
    });
    home.on('status', (r) => {
      if (r.cause !== 'resync') this.send({ type: 'status', cause: r.cause as WireStatusCause, status: r.status });
    });
    home.on('sensor', (r) =>
      this.send(
        r.sensor === 'climate'
          ? { type: 'climate', temperature: r.temperature, humidity: r.humidity }
          : { type: 'rain', raining: r.raining },
      ),
    );
    home.on('event', (e) =>
      this.send(
        e.event === 'button'
          ? { type: 'event', event: 'button', button: e.button }
          : { type: 'event', event: 'window', open: e.open },
      ),
    );
    return home;
  }

  #onLine(text: string): void {
    const line = decodeHostLine(text);
    if (line.type === 'rejected') {
      this.#countDrop(line.code);
      if (line.id !== undefined) this.send({ type: 'error', id: line.id, code: 'BAD_ARGS' });
      return;
    }
    this.received.push(line);
    switch (line.type) {
      case 'set':
        try {
          this.home.apply(line.command);
        } catch (e) {
          if (!isBridgeError(e)) throw e;
          const code = e.code as 'STATUS_LENGTH' | 'STATUS_NOT_DIGIT' | 'STATUS_RANGE';
          const detail = Number(e.context['length'] ?? e.context['position'] ?? 0);
          return this.send({ type: 'error', id: line.id, code, detail: Math.min(detail, 99) });
        }
        break;
      case 'get':
        this.home.requestStatus();
        break;
      case 'counters':
        this.send({ type: 'counters', id: line.id, counters: this.counters });
        break;
      case 'build':
        // Built from the devices.json it plays.
        for (const [group, values] of expectedBuild(this.#o.config))
          this.send({ type: 'build', id: line.id, group, values });
        break;
      case 'ping':
        break;
    }
    this.send({ type: 'ack', id: line.id, status: this.home.status });
  }

  #countDrop(code: string): void {
    const key =
      ({ LINE_CHECKSUM: 'checksum', LINE_TOO_LONG: 'tooLong', LINE_GARBLED: 'garbled' } as const)[
        code as 'LINE_CHECKSUM'
      ] ?? 'unknown';
    this.counters[key] = Math.min(0xffff, this.counters[key] + 1);
  }

  #armHeartbeat(): void {
    this.#heartbeat = this.#clock.setTimer(HEARTBEAT_PERIOD_MS, () => {
      this.send({ type: 'heartbeat', uptime: Math.round(this.#clock.now() - this.#bootedAt), counters: this.counters });
      this.#armHeartbeat();
    });
  }
}
