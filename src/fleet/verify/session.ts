import type { Clock } from '../../environment/clock.js';
import { BridgeError, ErrorCode } from '../../core/errors.js';
import type { ReportSource } from './sources.js';
import { Verifier, type VerifyReport } from './verifier.js';
import type { Baseline } from './sequence-tracker.js';

/**
 * A running verification: a report source feeding a Verifier, commands sent at `commandRate` per second
 * to random homes, and an orderly end that waits for the last reports to arrive (`finish`). Shared by
 * `smarthome-bridge verify` and `fleet --verify`.
 */
export interface SessionOptions {
  source: ReportSource;
  clock: Pick<Clock, 'now'>;
  baseline: Baseline;
  /** Commands per second to random homes that are up (0: none). */
  commandRate: number;
  /** A home's command topic (the fleet's addressing). */
  commandTopic: (home: string) => string;
  /** Count only homes whose id starts with this (e.g. `home-`). */
  homePrefix?: string | undefined;
  /** Count only these homes. */
  homes?: ReadonlySet<string> | undefined;
  /** `finish` waits until no report came for this long (default 500 ms), at most `drainMaxMs` (default 5 s). */
  quietMs?: number;
  drainMaxMs?: number;
}

const TICK_MS = 20;

export class VerifySession {
  readonly verifier: Verifier;
  readonly #o: SessionOptions;
  #ticker: NodeJS.Timeout | undefined;

  constructor(o: SessionOptions) {
    if (!(o.commandRate >= 0 && Number.isFinite(o.commandRate)))
      throw new BridgeError(ErrorCode.CONFIG_INVALID, `--command-rate must be a number ≥ 0, got ${o.commandRate}`);
    this.#o = o;
    this.verifier = new Verifier({
      clock: o.clock,
      baseline: o.baseline,
      commandIdPrefix: `verify-${process.pid}-`,
      homePrefix: o.homePrefix,
      homes: o.homes,
    });
  }

  /** Subscribes (resolves once reports can arrive), then starts sending commands. */
  async start(): Promise<void> {
    await this.#o.source.start((bytes, start, end) => this.verifier.onMessage(bytes, start, end));
    if (this.#o.commandRate > 0) this.#startCommands();
  }

  report(interval = true): VerifyReport {
    return this.verifier.report({ interval });
  }

  /** No more commands (before the fleet stops, so none goes to a home that is leaving). */
  stopCommands(): void {
    clearInterval(this.#ticker);
  }

  /** Stops commands, waits for the stragglers, unsubscribes; the final report. */
  async finish(): Promise<VerifyReport> {
    this.stopCommands();
    const { clock } = this.#o;
    const quiet = this.#o.quietMs ?? 500;
    const end = clock.now() + (this.#o.drainMaxMs ?? 5000);
    while (clock.now() < end && clock.now() - this.verifier.lastMessageAt < quiet)
      await new Promise((r) => setTimeout(r, 50));
    await this.#o.source.stop();
    return this.verifier.report({ final: true });
  }

  #startCommands(): void {
    const { source, commandTopic, commandRate, clock } = this.#o;
    let allowance = 0;
    let last = clock.now();
    this.#ticker = setInterval(() => {
      const now = clock.now();
      // A late tick sends what it owes, but never more than one second's worth at once.
      allowance = Math.min(allowance + (commandRate * (now - last)) / 1000, Math.max(1, commandRate));
      last = now;
      for (; allowance >= 1; allowance--) {
        // Only to homes heard from and not gone offline: a command to a home not yet subscribed is lost
        // by MQTT's design, not by the system under test.
        const home = this.verifier.randomLiveHome();
        if (home === undefined) break;
        source.publish(
          commandTopic(home),
          JSON.stringify({ Producer: 'verify', command: 'status', id: this.verifier.nextCommandId() }),
        );
      }
    }, TICK_MS);
  }
}

/** `N` (reports) or `P%` (of those expected). */
export interface LossLimit {
  count?: number;
  percent?: number;
}

export function parseMaxLoss(text: string | number): LossLimit {
  const t = String(text).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(t);
  if (!m)
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--max-loss wants a count (e.g. 0) or a percentage (e.g. 0.1%), got ${JSON.stringify(t)}`,
    );
  return m[2] ? { percent: Number(m[1]) } : { count: Number(m[1]) };
}

export function lossExceeds(r: Pick<VerifyReport, 'lost' | 'expected'>, limit: LossLimit): boolean {
  if (limit.percent !== undefined) return r.expected > 0 && (100 * r.lost) / r.expected > limit.percent;
  return r.lost > (limit.count ?? 0);
}

/** One line for humans. */
export function formatReport(r: VerifyReport, final = false): string {
  const l = final ? r.latencyMs : r.interval.latencyMs;
  const parts = [
    `${final ? 'verify total' : 'verify'}: received ${r.received}/${r.expected} from ${r.homes} homes`,
    `lost ${r.lost}`,
    `dup ${r.duplicates}`,
    `reordered ${r.reordered}`,
    ...(r.stale ? [`stale ${r.stale}`] : []),
    ...(r.restarts ? [`restarts ${r.restarts}`] : []),
    ...(r.invalid ? [`invalid ${r.invalid}`] : []),
    // An interval in which nothing arrived has no latency, not one of 0 ms.
    `e2e ${l.count > 0 ? `p50 ${l.p50} p99 ${l.p99} p99.9 ${l.p999} max ${l.max} ms` : '—'}`,
  ];
  if (r.commands) {
    const c = r.commands;
    parts.push(
      `cmd ${c.acked}/${c.sent}${c.unanswered ? ` (${c.unanswered} unanswered)` : ''} rtt ` +
        (c.rttMs.count > 0 ? `p50 ${c.rttMs.p50} p99 ${c.rttMs.p99} max ${c.rttMs.max} ms` : '—'),
    );
  }
  return parts.join(' · ');
}
