import type { DevicesConfig } from '../config/schema.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { VirtualClock, type Clock } from '../environment/clock.js';
import { describeStatus, isValidCommand, validateStatus } from '../home/status-codec.js';
import type { ButtonName, Outputs } from '../home/types.js';
import { topicMatches } from '../core/topics.js';
import type { Link } from '../links/link.js';
import type { ConditionsPatch, PhysicalAccess } from '../links/physical.js';
import type { Runtime } from '../runtime.js';
import { toMs, type Duration } from './duration.js';
import type { HarnessFaults, FaultName, FaultOptions } from './faults.js';
import { describeMatch, isStatusPattern, messageMatches, statusMatches, statusOf, type MessageMatch } from './match.js';
import type { BusObserver, ObservedMessage } from './observer.js';
import { expectationError } from './report.js';
import { homeDelay, Settler, waitInHomeTime } from './settler.js';
import type { TrackedLink } from './tracked-link.js';

/** Everything startHome built, handed to the TestHome that drives and stops it. */
export interface HarnessParts {
  config: DevicesConfig;
  clock: Clock;
  runtime: Runtime;
  tracked: TrackedLink;
  observer: BusObserver;
  physical: PhysicalAccess | undefined;
  faults: HarnessFaults;
  /** Stops what startHome started besides the runtime, in reverse order. */
  cleanups: (() => Promise<void>)[];
}

export interface WithinOptions {
  /** How long to wait, in home time (default 2s). */
  within?: Duration;
}

export interface SendOptions {
  /** Default `webos/smarthome/info` (the CarDashboard's and the backend's topic). */
  topic?: string;
}

/**
 * A running home for tests: the link, the bridge and a broker, driven through one object. Every
 * method that changes something waits until the bridge has published what it caused (`settle`), so
 * `home.messages` is complete when the call returns.
 */
export class TestHome {
  readonly #p: HarnessParts;
  readonly #virtual: VirtualClock | undefined;
  readonly #settler: Settler;
  readonly #startedAt: number;
  /** expectMessage looks at messages from here on (see #action). */
  #windowStart = 0;
  #expectedSinceAction = false;
  readonly #consumed = new Set<number>();
  #closed: Promise<void> | undefined;

  constructor(parts: HarnessParts) {
    this.#p = parts;
    this.#virtual = parts.clock instanceof VirtualClock ? parts.clock : undefined;
    this.#startedAt = parts.clock.now();
    this.#settler = new Settler(parts.runtime, parts.tracked, parts.observer, parts.config.bus.commandTimeoutMs);
  }

  get link(): Link {
    return this.#p.tracked.inner;
  }
  get runtime(): Runtime {
    return this.#p.runtime;
  }
  get clock(): Clock {
    return this.#p.clock;
  }
  get config(): DevicesConfig {
    return this.#p.config;
  }
  /** Every live message seen on `webos/#` since the home started, in order. */
  get messages(): readonly ObservedMessage[] {
    return this.#p.observer.messages;
  }
  /** The link's own idea of its status. */
  get status(): string | undefined {
    return this.#p.tracked.status;
  }
  /** The status the bus last heard (from a status report or an acknowledgement). */
  get busStatus(): string | undefined {
    const ms = this.messages;
    for (let i = ms.length - 1; i >= 0; i--) {
      const s = statusOf(ms[i]!);
      if (s !== undefined) return s;
    }
    return undefined;
  }

  /** Sets room conditions (links with physical access). */
  async set(conditions: ConditionsPatch): Promise<void> {
    this.#action();
    this.#physical('set conditions').setConditions(conditions);
    await this.settle();
  }

  /** Holds a button for `holdMs` of home time (default: the configured hold time plus 100 ms). */
  async press(button: ButtonName, options: { holdMs?: Duration } = {}): Promise<void> {
    this.#action();
    const physical = this.#physical(`press the ${button} button`);
    const holdMs = options.holdMs !== undefined ? toMs(options.holdMs) : this.#p.config.sensors.buttons.holdMs + 100;
    physical.press(button);
    try {
      await this.advance(holdMs);
    } finally {
      physical.release(button);
    }
    await this.settle();
  }

  /** Pushes the window fully open or closed by hand. */
  async pushWindow(open: boolean): Promise<void> {
    this.#action();
    this.#physical('push the window').pushWindow(open);
    await this.settle();
  }

  /** What the output pins show now (links with physical access). */
  outputs(): Outputs {
    return this.#physical('read the output pins').outputs();
  }

  /** Moves home time on: steps a virtual clock (firing every timer on the way), or waits on a real one. */
  async advance(duration: Duration): Promise<void> {
    this.#action();
    const ms = toMs(duration);
    if (this.#virtual) this.#virtual.advance(ms);
    else await homeDelay(this.#p.clock, ms).done;
    await this.settle();
  }

  /** Publishes a payload (a string, or an object sent as JSON) and waits for the bridge to handle it. */
  async send(payload: string | object, options: SendOptions = {}): Promise<void> {
    this.#action();
    const topic = options.topic ?? 'webos/smarthome/info';
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (topicMatches(this.#p.config.bus.commandFilter, topic)) this.#settler.expectDelivery(topic, text);
    await this.#p.observer.publish(topic, text);
    await this.settle();
  }

  /**
   * Brings the device to exactly `status` over the bus, on any link: first a command with the aircon
   * and the light on (which sets power, brightness, colour and effect), then the status itself (which
   * switches off what is off and keeps those values). Resolves with the status reached.
   */
  async setStatus(status: string): Promise<string> {
    const target = validateStatus(status);
    const on = `${target[0]}1${target[2]}1${target.slice(4)}`;
    if (on !== target) await this.send(on);
    await this.send(target);
    return this.expectStatus(target, { within: '2s' });
  }

  /** Injects a fault; see HarnessFaults for which exist and who can do them. */
  async fault(name: FaultName, options: FaultOptions = {}): Promise<void> {
    this.#action();
    await this.#p.faults.inject(name, options, (ms) => this.advance(ms));
    await this.settle();
  }

  /** Waits until the status on the bus matches (a status pattern: digits, `x` for any). */
  async expectStatus(pattern: string, options: WithinOptions = {}): Promise<string> {
    if (!isStatusPattern(pattern)) {
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        `not a status pattern: ${JSON.stringify(pattern)} (nine digits, x for any)`,
      );
    }
    const spelled = isValidCommand(pattern) ? ` (${describeStatus(pattern)})` : '';
    return this.#waitFor(
      'expectStatus',
      () => {
        const s = this.busStatus;
        return s !== undefined && statusMatches(pattern, s) ? s : undefined;
      },
      options,
      `status ${pattern}${spelled} on the bus`,
    );
  }

  /**
   * Waits for a message matching `match`. It looks at the messages since the first action (send, set,
   * press, pushWindow, advance, fault) after the previous expectation, in any order (brokers may
   * reorder a retained report and the acknowledgement after it), and each message satisfies at most one
   * expectMessage.
   */
  async expectMessage(match: MessageMatch, options: WithinOptions = {}): Promise<ObservedMessage> {
    const found = await this.#waitFor(
      'expectMessage',
      () =>
        this.messages.find((m) => m.seq >= this.#windowStart && !this.#consumed.has(m.seq) && messageMatches(m, match)),
      options,
      describeMatch(match),
      match,
    );
    this.#consumed.add(found.seq);
    return found;
  }

  /**
   * Waits until the bridge has handled what the test sent and everything it published has arrived:
   * commands delivered, link calls answered, and a marker through the bridge's own connection seen.
   */
  settle(): Promise<void> {
    return this.#settler.settle();
  }

  /** Stops everything startHome started. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#p.runtime.stop();
      for (const c of [...this.#p.cleanups].reverse()) await c().catch(() => undefined);
    })();
    return this.#closed;
  }

  /** An action after an expectation starts a new window of messages for the next expectations. */
  #action(): void {
    if (!this.#expectedSinceAction) return;
    this.#expectedSinceAction = false;
    const ms = this.messages;
    this.#windowStart = ms.length > 0 ? ms[ms.length - 1]!.seq + 1 : 0;
  }

  async #waitFor<T>(
    what: string,
    check: () => T | undefined,
    options: WithinOptions,
    expected: string,
    match?: MessageMatch,
  ): Promise<T> {
    this.#expectedSinceAction = true;
    const r = await waitInHomeTime(this.#p.clock, this.#settler, toMs(options.within ?? '2s'), check);
    if (r.found !== undefined) return r.found;
    throw expectationError({
      what,
      expected,
      waitedMs: r.waitedMs,
      wallMs: r.wallMs,
      messages: this.messages,
      startedAt: this.#startedAt,
      linkStatus: this.status,
      match,
    });
  }

  #physical(what: string): PhysicalAccess {
    if (this.#p.physical) return this.#p.physical;
    throw new BridgeError(
      ErrorCode.PHYSICAL_UNSUPPORTED,
      `cannot ${what}: link ${this.link.kind} offers no physical access (the emulated and firmware links do; ` +
        'on a real board, do it by hand)',
      { link: this.link.kind },
    );
  }
}
