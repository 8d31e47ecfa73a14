import type { Logger } from 'pino';
import type { Bridge } from './bridge.js';
import type { EmergencyMessage } from './bus/amqp-emergency.js';
import { iso } from './bus/payloads.js';
import { toBridgeError } from './core/errors.js';
import type { Clock } from './environment/clock.js';
import type { Link } from './links/link.js';
import type { StatusString } from './home/types.js';

export interface EmergencyReactionOptions {
  bridge: Bridge;
  link: Link;
  command: StatusString;
  homeId: string;
  clock: Clock;
  logger: Logger;
}

interface Waiting {
  first: EmergencyMessage;
  messages: number;
}

/**
 * How the home answers an emergency broadcast: it applies devices.json `emergency.command` (default
 * `022222220`, gas valve closed, everything else kept) on the bridge's command path, in turn with other
 * commands, then says what it did: the status report (from the link, when the status changed) and an
 * `event` report `{event:"emergency", applied, status, …}`. A failure is an error report as well.
 *
 * Broadcasts that arrive while a reaction still waits for its turn join it (`messages` counts them), so
 * a burst of alarms is one command to the device, not hundreds queued behind each other.
 */
export class EmergencyReaction {
  readonly #o: EmergencyReactionOptions;
  #waiting: Waiting | undefined;
  #last: Promise<void> = Promise.resolve();
  readonly counters = { received: 0, applied: 0, failed: 0 };

  constructor(options: EmergencyReactionOptions) {
    this.#o = options;
  }

  trigger(message: EmergencyMessage): void {
    this.counters.received++;
    if (this.#waiting) {
      this.#waiting.messages++;
      return;
    }
    const w: Waiting = { first: message, messages: 1 };
    this.#waiting = w;
    this.#last = this.#o.bridge.serialized((apply) => {
      this.#waiting = undefined;
      return this.#react(w, apply);
    });
  }

  /** Resolves when the latest reaction has been reported. */
  settled(): Promise<void> {
    return this.#last;
  }

  async #react(w: Waiting, apply: (command: StatusString) => Promise<StatusString>): Promise<void> {
    const { bridge, link, command, logger } = this.#o;
    const before = link.status;
    let status: StatusString | null = before ?? null;
    let error: string | undefined;
    try {
      status = await apply(command);
      this.counters.applied++;
      logger.warn({ applied: command, status, messages: w.messages }, 'emergency: command applied');
    } catch (e) {
      const err = toBridgeError(e);
      error = err.code;
      this.counters.failed++;
      bridge.reportProblem(err, `amqp:${w.first.exchange}`);
    }
    bridge.publish('event', {
      Producer: 'smarthome',
      command: 'event',
      home: this.#o.homeId,
      time: iso(this.#o.clock.now()),
      event: 'emergency',
      exchange: w.first.exchange,
      routingKey: w.first.routingKey,
      message: w.first.text,
      messages: w.messages,
      applied: command,
      status,
      changed: error === undefined && before !== status,
      ...(error ? { error } : {}),
    });
  }
}
