import type { Logger } from 'pino';
import type { DevicesConfig } from '../../config/schema.js';
import { BridgeError, ErrorCode, toBridgeError } from '../../core/errors.js';
import { TypedEmitter } from '../../core/events.js';
import { silentLogger } from '../../core/logger.js';
import type { Clock } from '../../environment/clock.js';
import { validateCommand } from '../../home/status-codec.js';
import type { StatusCause, StatusString } from '../../home/types.js';
import type { Link, LinkEvents, LinkState } from '../link.js';
import { BoardLineRouter, type RoutedLine } from './board-line-router.js';
import { BootWait, checkBuild, greet, noAnswerError, type BootLine } from './handshake.js';
import { assertProtocolVersion } from './line-codec.js';
import { LineSplitter } from './line-splitter.js';
import { HEARTBEAT_PERIOD_MS, SERIAL_BAUD_RATE, type BoardCounters, type WireStatusCause } from './line-types.js';
import { Backoff, Reopener } from './reconnect.js';
import { RequestTracker } from './request-tracker.js';
import { openSerialConnection, type BindingInterface, type SerialConnection } from './serial-port.js';
import { DEFAULT_SERIAL_TIMING, timingWithin, type SerialTiming } from './serial-timing.js';
import { SilenceWatchdog } from './silence-watchdog.js';

export interface SerialLinkOptions {
  /** Port path: /dev/ttyACM0, a pty, or whatever the binding understands (the avr binding: avr:<hex>). */
  path: string;
  baudRate?: number | undefined;
  /** serialport-13 binding (default: serialport's native binding). */
  binding?: BindingInterface | undefined;
  clock: Clock;
  logger?: Logger | undefined;
  /** The bridge's command timeout: the ack timeout is fitted so that all attempts end before it. */
  commandTimeoutMs?: number | undefined;
  timing?: Partial<SerialTiming> | undefined;
  /** The kind to report (the firmware link runs this same code path over the avr binding). */
  kind?: 'serial' | 'firmware' | undefined;
  /**
   * The devices.json the board's firmware must be built from: the handshake then asks for the board's
   * pins and timings (CFG) and refuses a build that differs (BOARD_BUILD_MISMATCH). Unset: no check.
   */
  build?: DevicesConfig | undefined;
}

type Phase = 'closed' | 'handshake' | 'ready';

/** Where a status the link learned came from (see #learned). */
type StatusOrigin = { from: 'board'; cause: WireStatusCause } | { from: 'set' } | { from: 'get' } | { from: 'sync' };

/**
 * The link to our sketch on an Uno over the serial line protocol (docs/serial-protocol.md, "Host
 * behaviour"). On every open: wait for BOOT (or probe a board that did not reset with PING), check the
 * protocol version, read the status with GET; then forward the board's lines as link events, send each
 * command with an id and wait for its ACK. A silent board (no line for about three heartbeats) or a
 * vanished port is reported and the port reopened with backoff; the status is read again on return.
 */
export class SerialLink extends TypedEmitter<LinkEvents> implements Link {
  readonly kind: 'serial' | 'firmware';
  readonly path: string;
  readonly baudRate: number;
  readonly timing: SerialTiming;
  readonly #o: SerialLinkOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #splitter = new LineSplitter();
  readonly #tracker: RequestTracker;
  readonly #reopener: Reopener;
  readonly #router: BoardLineRouter;
  readonly #watchdog: SilenceWatchdog;
  readonly #counts = new Map<string, number>();
  #state: LinkState = 'stopped';
  #phase: Phase = 'closed';
  #stopped = true;
  /** Incremented whenever a connection ends, so callbacks of an old port are ignored. */
  #generation = 0;
  #conn: SerialConnection | undefined;
  #bootWait: BootWait | undefined;
  #status: StatusString | undefined;
  /** Why the board reported a status during the handshake (told with the handshake's own read). */
  #heldCause: StatusCause | undefined;
  #bytesSinceOpen = 0;
  /** The CFG lines of the board's answer while the handshake asks for them, by group. */
  #buildReport: Map<string, string[]> | undefined;
  /** The last outage error reported: a port that stays away is reported once, not on every try. */
  #lastOutageCode: ErrorCode | undefined;
  #linesIn = 0;
  #linesOut = 0;

  constructor(options: SerialLinkOptions) {
    super();
    this.#o = options;
    this.kind = options.kind ?? 'serial';
    this.path = options.path;
    this.baudRate = options.baudRate ?? SERIAL_BAUD_RATE;
    this.timing =
      options.commandTimeoutMs !== undefined
        ? timingWithin(options.commandTimeoutMs, options.timing)
        : { ...DEFAULT_SERIAL_TIMING, ...options.timing };
    this.#clock = options.clock;
    this.#log = options.logger ?? silentLogger();
    this.#tracker = new RequestTracker({
      clock: this.#clock,
      ackTimeoutMs: this.timing.ackTimeoutMs,
      retries: this.timing.retries,
      write: (bytes) => {
        if (!this.#conn) return Promise.reject(new BridgeError(ErrorCode.LINK_NOT_READY, 'port closed'));
        this.#linesOut++;
        return this.#conn.write(bytes);
      },
    });
    this.#reopener = new Reopener({
      clock: this.#clock,
      backoff: new Backoff(this.timing.reopenInitialMs, this.timing.reopenMaxMs),
      attempt: () => this.#connect(),
      onFailure: (e, attempts) => this.#onReopenFailed(toBridgeError(e), attempts),
    });
    this.#router = new BoardLineRouter({ clock: this.#clock, log: this.#log, count: (key) => this.#count(key) });
    this.#watchdog = new SilenceWatchdog(this.#clock, this.timing.silenceTimeoutMs, (silentMs) =>
      this.#onSilence(silentMs),
    );
    for (const key of ['checksum', 'tooLong', 'garbled', 'unknown']) this.#counts.set(key, 0);
  }

  get state(): LinkState {
    return this.#state;
  }
  get status(): StatusString | undefined {
    return this.#stopped ? undefined : this.#status;
  }
  /** Complete lines read from the board and requests written to it (the panel shows them). */
  get lines(): { in: number; out: number } {
    return { in: this.#linesIn, out: this.#linesOut };
  }
  /** The board's own drop counters from its last heartbeat. */
  get boardCounters(): BoardCounters | undefined {
    return this.#router.boardCounters;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#setState('starting');
    try {
      await this.#connect();
    } catch (e) {
      this.#stopped = true;
      this.#setState('stopped');
      throw toBridgeError(e);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#reopener.cancel();
    const closed = new BridgeError(ErrorCode.LINK_CLOSED, `the serial link to ${this.path} stopped`);
    this.#bootWait?.fail(closed);
    this.#tracker.cancelAll(closed);
    await this.#closeConnection();
    this.#setState('stopped');
  }

  async apply(command: StatusString): Promise<StatusString> {
    this.#assertReady();
    // Re-encoded from validated fields: only nine digits ever reach the wire, whatever was received.
    const status = await this.#tracker.request({ type: 'set', command: validateCommand(command) });
    this.#learned(status, { from: 'set' });
    return status;
  }

  async requestStatus(): Promise<StatusString> {
    this.#assertReady();
    const status = await this.#tracker.request({ type: 'get' });
    this.#learned(status, { from: 'get' });
    return status;
  }

  counters(): Record<string, number> {
    const t = this.#tracker.counters;
    const board = this.#router.boardCounters;
    return {
      ...Object.fromEntries(this.#counts),
      retries: t.retries,
      timeouts: t.timeouts,
      staleReplies: t.staleReplies,
      ...(board ? Object.fromEntries(Object.entries(board).map(([k, v]) => [`board.${k}`, v])) : {}),
    };
  }

  /** Opens the port and runs the handshake; the link is ready when it resolves. */
  async #connect(): Promise<void> {
    const generation = ++this.#generation;
    const mine = (): boolean => generation === this.#generation;
    this.#phase = 'handshake';
    this.#heldCause = undefined;
    this.#splitter.reset();
    this.#router.resetSession();
    this.#bytesSinceOpen = 0;
    const bootWait = new BootWait(this.#clock, this.timing.bootWaitMs);
    this.#bootWait = bootWait;
    bootWait.result.catch(() => undefined);
    try {
      const conn = await openSerialConnection({
        path: this.path,
        baudRate: this.baudRate,
        binding: this.#o.binding,
        onData: (chunk) => mine() && this.#onData(chunk),
        onLost: (reason) => mine() && this.#onLost(reason),
      });
      if (!mine() || this.#stopped) {
        await conn.close();
        throw new BridgeError(ErrorCode.LINK_CLOSED, `the serial link to ${this.path} stopped`);
      }
      this.#conn = conn;
      this.#setState('starting');
      const ping = (): Promise<unknown> => this.#tracker.request({ type: 'ping' });
      const flush = (): void => void conn.write('\n').catch(() => undefined);
      const boot = await greet({
        bootWait,
        flush,
        ping,
        log: this.#log,
        path: this.path,
        noAnswer: () => this.#noAnswer(),
      });
      if (this.#o.build) {
        const report = new Map<string, string[]>();
        this.#buildReport = report;
        const ask = (): Promise<unknown> => this.#tracker.request({ type: 'build' });
        await checkBuild({ config: this.#o.build, ask, report, boot, path: this.path }).finally(() => {
          this.#buildReport = undefined;
        });
      }
      this.#learned(await this.#tracker.request({ type: 'get' }), { from: 'sync' });
    } catch (e) {
      if (mine()) await this.#closeConnection();
      throw e;
    } finally {
      if (this.#bootWait === bootWait) this.#bootWait = undefined;
    }
    this.#phase = 'ready';
    this.#lastOutageCode = undefined;
    this.#watchdog.start();
    this.#setState('ready');
  }

  #noAnswer(): BridgeError {
    const waitedMs = this.timing.bootWaitMs + this.timing.ackTimeoutMs * (this.timing.retries + 1);
    return noAnswerError({
      path: this.path,
      baudRate: this.baudRate,
      waitedMs,
      noise: this.#router.noise,
      bytes: this.#bytesSinceOpen,
    });
  }

  async #closeConnection(): Promise<void> {
    this.#generation++;
    this.#phase = 'closed';
    this.#watchdog.stop();
    const conn = this.#conn;
    this.#conn = undefined;
    if (conn) await conn.close().catch(() => undefined);
  }

  #onData(chunk: Buffer): void {
    this.#bytesSinceOpen += chunk.length;
    const generation = this.#generation;
    // The bounded LineSplitter, not serialport's ReadlineParser/DelimiterParser: those buffer without
    // limit until a delimiter arrives, so a board spewing bytes without '\n' would grow memory forever.
    for (const item of this.#splitter.feed(chunk)) {
      if (generation !== this.#generation) return; // a line closed the port (e.g. protocol mismatch)
      const handshake = this.#phase === 'handshake';
      if (item.ok) this.#linesIn++;
      this.#onLine(
        item.ok ? this.#router.route(item.line, handshake) : this.#router.drop(item.code, item.reason, handshake),
      );
    }
  }

  /** What the router made of one line: acted on here, in one place. */
  #onLine(line: RoutedLine): void {
    switch (line.type) {
      case 'dropped':
        if (line.error) this.emit('error', line.error);
        return;
      case 'boot':
        this.#onBoot(line.line);
        break;
      case 'reply':
        if (!this.#tracker.settle(line.line)) {
          this.#log.debug({ id: line.line.id, type: line.line.type }, 'reply to no request in flight (late duplicate)');
        }
        break;
      case 'build':
        this.#buildReport?.set(line.line.group, line.line.values);
        break;
      case 'status':
        this.#learned(line.status, { from: 'board', cause: line.cause });
        break;
      case 'sensor':
        this.emit('sensor', line.reading);
        break;
      case 'event':
        this.emit('event', line.event);
        break;
      case 'restarted':
        this.#onSilentRestart();
        break;
      case 'alive':
        break;
    }
    this.#watchdog.heard();
  }

  #onBoot(line: BootLine): void {
    if (this.#bootWait && !this.#bootWait.done) return this.#bootWait.boot(line);
    try {
      assertProtocolVersion(line);
    } catch (e) {
      if (this.#phase === 'handshake') this.#tracker.cancelAll(toBridgeError(e));
      else this.#outage('disconnected', toBridgeError(e));
      return;
    }
    if (this.#phase !== 'ready') return;
    this.#count('boardRestarts');
    this.#log.warn(`the board on ${this.path} restarted (BOOT ${line.firmware}); it starts again from the boot status`);
  }

  /** The heartbeat's uptime went back without a BOOT line: read the status again. */
  #onSilentRestart(): void {
    if (this.#phase !== 'ready') return;
    this.#count('boardRestarts');
    this.#tracker.request({ type: 'get' }).then(
      (status) => this.#learned(status, { from: 'sync' }),
      (e: unknown) => this.emit('error', toBridgeError(e)),
    );
  }

  /**
   * Every status the link learns passes here, and only here is it decided whether it is reported and
   * with which cause:
   * - a board STATUS line keeps its cause, except `request`: that answers a GET whose ACK carries the
   *   same status, and the requester reports it;
   * - the ACK of a SET: reported (cause `command`) only if it differs, i.e. the STATUS line was lost;
   * - the ACK of a GET asked for by the bridge: reported, cause `request`;
   * - the status read by the handshake or after a silent restart: `request` the first time, then
   *   `resync` when it changed meanwhile.
   */
  #learned(status: StatusString, origin: StatusOrigin): void {
    let cause: StatusCause | undefined;
    switch (origin.from) {
      case 'board':
        cause = origin.cause === 'request' ? undefined : origin.cause;
        // The board's own report during the handshake (its boot status) is told when the handshake ends,
        // with the status it read: reported earlier, it would invite commands the link must still refuse.
        if (cause !== undefined && this.#phase === 'handshake') {
          this.#heldCause = cause;
          return;
        }
        break;
      case 'set':
        cause = status !== this.#status ? 'command' : undefined;
        break;
      case 'get':
        cause = 'request';
        break;
      case 'sync':
        if (this.#heldCause !== undefined) cause = this.#heldCause;
        else cause = this.#status === undefined ? 'request' : status !== this.#status ? 'resync' : undefined;
        this.#heldCause = undefined;
        break;
    }
    if (cause === undefined) return;
    this.#status = status;
    this.emit('status', { status, cause, time: this.#clock.now() });
  }

  #onLost(reason: string): void {
    const wasReady = this.#phase === 'ready';
    this.#count('disconnects');
    const err = new BridgeError(
      ErrorCode.PORT_UNAVAILABLE,
      `serial port ${this.path} went away: ${reason}; reopening it`,
      { path: this.path },
    );
    this.#conn = undefined;
    if (wasReady) this.#outage('disconnected', err);
    else {
      void this.#closeConnection();
      this.#bootWait?.fail(err);
      this.#tracker.cancelAll(err);
    }
  }

  /** Reports the trouble once, fails what waits for the board, closes the port and reopens it with backoff. */
  #outage(state: 'disconnected' | 'unresponsive', err: BridgeError): void {
    this.#setState(state);
    this.#reportOutage(err);
    this.#tracker.cancelAll(
      new BridgeError(
        ErrorCode.LINK_NOT_READY,
        `the board on ${this.path} is ${state} (the command may or may not have been applied)`,
      ),
    );
    void this.#closeConnection().then(() => {
      if (!this.#stopped) this.#reopener.start();
    });
  }

  #onReopenFailed(err: BridgeError, attempts: number): void {
    this.#count('reopenFailures');
    this.#setState(err.code === ErrorCode.PORT_UNAVAILABLE ? 'disconnected' : 'unresponsive');
    this.#log.debug({ code: err.code, attempts }, `reopening ${this.path} failed: ${err.message}`);
    this.#reportOutage(err);
  }

  #reportOutage(err: BridgeError): void {
    if (err.code === this.#lastOutageCode) return;
    this.#lastOutageCode = err.code;
    this.emit('error', err);
  }

  /** No line for about three heartbeats: the sketch hangs or the cable is loose. Reopening resets a real Uno. */
  #onSilence(silentMs: number): void {
    if (this.#phase !== 'ready') return;
    this.#count('unresponsive');
    const err = new BridgeError(
      ErrorCode.LINK_TIMEOUT,
      `the board on ${this.path} has sent nothing for ${Math.round(silentMs)} ms (it sends a heartbeat every ` +
        `${HEARTBEAT_PERIOD_MS} ms); reopening the port`,
      { path: this.path, silentMs },
    );
    this.#outage('unresponsive', err);
  }

  #assertReady(): void {
    if (this.#state !== 'ready')
      throw new BridgeError(ErrorCode.LINK_NOT_READY, `the board on ${this.path} is ${this.#state}`);
  }

  #count(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }
}
