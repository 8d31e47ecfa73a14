import type { Logger } from 'pino';
import { BridgeError, ErrorCode, toBridgeError } from './core/errors.js';
import { LatencyWindow } from './core/latency.js';
import type { DevicesConfig } from './config/schema.js';
import type { Clock, Timer } from './environment/clock.js';
import type { Link } from './links/link.js';
import type { BridgeBus } from './bus/bridge-bus.js';
import { controlToCommand, decodeRequest, type Request } from './bus/command-decoder.js';
import {
  eventPayload,
  excerpt,
  iso,
  sensorPayload,
  statusPayload,
  type RouteName,
  type RoutePayloads,
} from './bus/payloads.js';
import { RateLimiter } from './bus/rate-limiter.js';
import { SensorReportPolicy } from './bus/sensor-reports.js';
import type { ReportSequence } from './bus/report-sequence.js';
import { topicMatches } from './core/topics.js';
import type { StatusReport, StatusString } from './home/types.js';

/**
 * Joins one link to the bus: commands in (decoded, validated, applied one at a time), acknowledgements,
 * status, sensor, event and error reports out. Every command handler runs inside one catch that turns
 * any failure into one structured error report; nothing a sender does can stop the bridge.
 */
export interface BridgeOptions {
  config: DevicesConfig;
  link: Link;
  /** A home's own BusClient, or its place on a shared gateway connection. */
  bus: BridgeBus;
  clock: Clock;
  logger: Logger;
  /** Home id in reports (defaults to devices.json device.id). */
  homeId?: string;
  /** Subscription filter for commands (defaults to devices.json bus.commandFilter). */
  commandFilter?: string;
  version?: string;
  /** Told of every acknowledgement and error report (a fleet aggregates these over thousands of homes). */
  observer?: BridgeObserver | undefined;
  /** Numbers the sensor reports for end-to-end verification (a fleet home; docs/fleet.md). */
  sequence?: ReportSequence | undefined;
  /** The gateway connection the home is on (fleet --connections), named in its availability. */
  gateway?: string | undefined;
}

export interface BridgeObserver {
  ack?(latencyMs: number): void;
  error?(code: string): void;
  /** A sensor reading was handed to the bus (not called for readings held back as unchanged). */
  sensor?(): void;
  /** A status report of the link was handed to the bus (not called while reports are held). */
  status?(report: StatusReport): void;
}

/** At most this many commands wait for the device; more are refused with QUEUE_OVERFLOW. */
const MAX_PENDING_COMMANDS = 64;

export class Bridge {
  readonly #o: BridgeOptions;
  readonly #log: Logger;
  readonly #home: string;
  readonly #filter: string;
  /** Error reports about commands and the bridge itself. */
  readonly #errorLimiter: RateLimiter;
  /** Error reports from the device, capped apart: garbage on a serial line cannot crowd out the answer to a command. */
  readonly #deviceErrorLimiter: RateLimiter;
  readonly #latency = new LatencyWindow();
  readonly #sensorReports: SensorReportPolicy;
  /** Error reports by code; made on the first (most of a fleet's bridges never report one). */
  #errors: Map<string, number> | undefined;
  readonly #startedAt: number;
  #pending = 0;
  #chain: Promise<void> = Promise.resolve();
  #healthTimer: Timer | undefined;
  /** Status reports held while the device is brought back to its stored status (holdStatus). */
  #heldStatus: StatusReport[] | undefined;
  #stopped = false;
  #everConnected = false;

  constructor(options: BridgeOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#home = options.homeId ?? options.config.device.id;
    this.#filter = options.commandFilter ?? options.config.bus.commandFilter;
    this.#errorLimiter = new RateLimiter(options.config.bus.maxErrorReportsPerSecond, options.clock);
    this.#deviceErrorLimiter = new RateLimiter(options.config.bus.maxErrorReportsPerSecond, options.clock);
    this.#startedAt = performance.now();
    this.#sensorReports = new SensorReportPolicy(options.config.bus.sensorReports);
  }

  /** The subscription the bus client must hold. */
  get commandFilter(): string {
    return this.#filter;
  }

  /** Wires the link and bus events. Call before starting the bus client and the link. */
  attach(): void {
    const { link, bus } = this.#o;
    link.on('status', (r) => {
      if (this.#heldStatus) this.#heldStatus.push(r);
      else this.#publishStatus(r);
    });
    const seq = this.#o.sequence;
    link.on('sensor', (r) => {
      if (!this.#sensorReports.shouldReport(r, this.#o.clock.now())) return;
      this.publish('sensor', seq ? seq.stamp(sensorPayload(this.#home, r)) : sensorPayload(this.#home, r));
      this.#o.observer?.sensor?.();
    });
    link.on('event', (e) => this.publish('event', eventPayload(this.#home, e)));
    link.on('error', (e) => this.#reportError(e, 'device'));
    link.on('state', (s) => this.#log.info({ state: s }, `link ${link.kind} ${s}`));
    bus.on('message', (topic, payload) => this.#onMessage(topic, payload));
    bus.on('connected', () => this.#onConnected());
    const period = this.#o.config.bus.healthPeriodMs;
    if (period > 0) {
      const tick = (): void => {
        this.publish('health', this.health());
        this.#healthTimer = this.#o.clock.setTimer(period, tick);
      };
      this.#healthTimer = this.#o.clock.setTimer(period, tick);
    }
  }

  /** The payload of the availability message (also used as the will). */
  availability(state: 'online' | 'offline'): RoutePayloads['availability'] {
    const p: RoutePayloads['availability'] = {
      Producer: 'smarthome',
      command: 'availability',
      home: this.#home,
      time: iso(this.#o.clock.now()),
      state,
      link: this.#o.link.kind,
      ...(this.#o.gateway ? { gateway: this.#o.gateway } : {}),
      ...(this.#o.version ? { version: this.#o.version } : {}),
    };
    return this.#o.sequence ? this.#o.sequence.announce(p) : p;
  }

  /** The will to connect with: the offline availability report on its route, sent by the broker if we vanish. */
  offlineWill(): { topic: string; payload: string; qos: 0 | 1; retain: boolean } {
    const { topic, qos, retain } = this.#o.config.bus.routes.availability;
    return { topic, payload: JSON.stringify(this.availability('offline')), qos, retain };
  }

  publish<K extends RouteName>(route: K, payload: RoutePayloads[K]): void {
    const r = this.#o.config.bus.routes[route];
    this.#o.bus.publish({ route, topic: r.topic, payload: JSON.stringify(payload), qos: r.qos, retain: r.retain });
  }

  /**
   * Holds the link's status reports back from now on: a device that boots as `000000000` before the
   * bridge restores its stored status must not announce that (nor have it written over the stored one).
   */
  holdStatus(): void {
    this.#heldStatus ??= [];
  }

  /** Ends holdStatus: publishes `instead` (the one report of a restore), or else what was held. */
  releaseStatus(instead?: StatusReport): void {
    const held = this.#heldStatus ?? [];
    this.#heldStatus = undefined;
    for (const r of instead ? [instead] : held) this.#publishStatus(r);
  }

  #publishStatus(r: StatusReport): void {
    this.publish('status', statusPayload(this.#home, r));
    this.#o.observer?.status?.(r);
  }

  /** Announces offline and stops timers (the bus and link are stopped by their owner). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#o.clock.clearTimer(this.#healthTimer);
    const r = this.#o.config.bus.routes.availability;
    await this.#o.bus
      .publishNow({
        route: 'availability',
        topic: r.topic,
        payload: JSON.stringify(this.availability('offline')),
        qos: r.qos,
        retain: r.retain,
      })
      .catch(() => undefined);
    await this.#chain;
  }

  health(): RoutePayloads['health'] {
    const bus = this.#o.bus.stats();
    const counters: Record<string, number> = {
      ...bus.counters,
      errorReportsSuppressed: this.#errorLimiter.suppressed + this.#deviceErrorLimiter.suppressed,
      sensorReadingsUnchanged: this.#sensorReports.suppressed,
      ...bus.queueFile,
      ...Object.fromEntries([...(this.#errors ?? [])].map(([k, v]) => [`error.${k}`, v])),
      ...Object.fromEntries(Object.entries(bus.drops).map(([k, v]) => [`dropped.${k}`, v])),
      ...Object.fromEntries(Object.entries(this.#o.link.counters()).map(([k, v]) => [`link.${k}`, v])),
    };
    return {
      Producer: 'smarthome',
      command: 'health',
      home: this.#home,
      time: iso(this.#o.clock.now()),
      uptimeS: Math.round((performance.now() - this.#startedAt) / 1000),
      counters,
      queueDepth: bus.queueDepth,
      ackLatencyMs: {
        p50: round(this.#latency.percentile(50)),
        p99: round(this.#latency.percentile(99)),
        count: this.#latency.count,
      },
      pubackLatencyMs: {
        p50: round(bus.pubackLatencyMs.p50),
        p99: round(bus.pubackLatencyMs.p99),
        count: bus.pubackLatencyMs.count,
      },
    };
  }

  /**
   * Runs `task` after every command already waiting and before any that arrives later: the device sees
   * one command at a time, whoever sent it (an emergency broadcast, not only the bus). `apply` inside it
   * applies a command with the bridge's command timeout.
   */
  serialized<T>(task: (apply: (command: StatusString) => Promise<StatusString>) => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => task((command) => this.#withTimeout(this.#o.link.apply(command))));
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Reports a failure that did not come from a bus command (counted, rate-limited, on the error route). */
  reportProblem(err: BridgeError, source: string): void {
    this.#reportError(err, source);
  }

  /** Counters of errors by code (for tests and health). */
  errorCounts(): Record<string, number> {
    return Object.fromEntries(this.#errors ?? []);
  }

  #onConnected(): void {
    const reconnect = this.#everConnected;
    this.#everConnected = true;
    this.publish('availability', this.availability('online'));
    const drops = this.#o.bus.outbox.takeUnreported();
    const lost = Object.values(drops).reduce((a, b) => a + b, 0);
    if (lost > 0) {
      this.#reportError(
        new BridgeError(
          ErrorCode.QUEUE_OVERFLOW,
          `${lost} reports were dropped while the broker was away: ${JSON.stringify(drops)}`,
          { drops },
        ),
        'bridge',
      );
    }
    if (reconnect && this.#o.link.state === 'ready') {
      const status = this.#o.link.status;
      if (status)
        this.publish('status', statusPayload(this.#home, { status, cause: 'resync', time: this.#o.clock.now() }));
    }
  }

  #onMessage(topic: string, payload: Buffer): void {
    if (this.#stopped || !topicMatches(this.#filter, topic)) return;
    if (this.#o.config.bus.ignoredTopics.some((t) => topicMatches(t, topic)) || isReportTopic(topic)) {
      this.#count('ignored');
      this.#log.info({ topic, text: excerpt(payload, 200) }, 'text on an error/warning topic: logged, not applied');
      return;
    }
    const received = performance.now();
    let request: Request;
    try {
      request = decodeRequest(payload, this.#o.config.bus.maxPayloadBytes);
    } catch (e) {
      const err = toBridgeError(e);
      const id = err.context['id'];
      this.#reportError(err, topic, payload, typeof id === 'string' || typeof id === 'number' ? id : undefined);
      return;
    }
    if (this.#pending >= MAX_PENDING_COMMANDS) {
      this.#reportError(
        new BridgeError(
          ErrorCode.QUEUE_OVERFLOW,
          `more than ${MAX_PENDING_COMMANDS} commands are waiting for the device`,
        ),
        topic,
        payload,
        request.id,
      );
      return;
    }
    this.#pending++;
    this.#chain = this.#chain.then(() =>
      this.#execute(request, received)
        .catch((e: unknown) => this.#reportError(toBridgeError(e), topic, payload, request.id))
        .finally(() => this.#pending--),
    );
  }

  async #execute(request: Request, received: number): Promise<void> {
    const link = this.#o.link;
    let applied: StatusString | 'status';
    let status: StatusString;
    let before: StatusString | undefined;
    if (request.kind === 'status') {
      applied = 'status';
      status = await this.#withTimeout(link.requestStatus());
    } else {
      before = link.status;
      if (request.format === 'json' && before === undefined) {
        throw new BridgeError(ErrorCode.LINK_NOT_READY, 'the device has not reported its status yet');
      }
      applied = request.format === 'legacy' ? request.command : controlToCommand(request.control, before!);
      status = await this.#withTimeout(link.apply(applied));
    }
    const latencyMs = performance.now() - received;
    this.#latency.add(latencyMs);
    this.#o.observer?.ack?.(latencyMs);
    this.publish('ack', {
      Producer: 'smarthome',
      command: 'ack',
      home: this.#home,
      time: iso(this.#o.clock.now()),
      ...(request.id !== undefined ? { id: request.id } : {}),
      request: applied,
      status,
      changed: before !== undefined && before !== status,
      latencyMs: round(latencyMs),
    });
  }

  #withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.#o.config.bus.commandTimeoutMs;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.#o.clock.setTimer(ms, () =>
        reject(new BridgeError(ErrorCode.LINK_TIMEOUT, `the device did not answer within ${ms} ms`)),
      );
    });
    return Promise.race([p, timeout]).finally(() => this.#o.clock.clearTimer(timer));
  }

  #count(key: string): void {
    this.#errors ??= new Map();
    this.#errors.set(key, (this.#errors.get(key) ?? 0) + 1);
  }

  #reportError(err: BridgeError, source: string, payload?: Buffer, id?: string | number): void {
    this.#count(err.code);
    this.#o.observer?.error?.(err.code);
    this.#log.warn(
      {
        code: err.code,
        source,
        ...(id !== undefined ? { id } : {}),
        ...(payload ? { excerpt: excerpt(payload) } : {}),
      },
      err.message,
    );
    if (!(source === 'device' ? this.#deviceErrorLimiter : this.#errorLimiter).take()) return;
    this.publish('error', {
      Producer: 'smarthome',
      command: 'error',
      home: this.#home,
      time: iso(this.#o.clock.now()),
      code: err.code,
      reason: err.message,
      ...(id !== undefined ? { id } : {}),
      source,
      ...(payload ? { excerpt: excerpt(payload) } : {}),
    });
  }
}

/** `webos/smarthome/error` and `…/warning` at any depth: the backend's plain-text complaints. */
function isReportTopic(topic: string): boolean {
  const last = topic.slice(topic.lastIndexOf('/') + 1);
  return last === 'error' || last === 'warning';
}

const round = (v: number): number => Math.round(v * 100) / 100;
