import type { Clock } from '../../environment/clock.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import { SequenceTracker, type Baseline, type HomeAnomalies, type SequenceTotals } from './sequence-tracker.js';

/**
 * The verifier's core: reads the fleet's reports as they arrive (from MQTT or AMQP, see sources.ts),
 * tracks every home's sequence, the end-to-end latency of each numbered report (receipt on `clock` −
 * `sent`) and the round trip of the commands it sent (send → the home's ack with the same id).
 * Anything unreadable is counted, never thrown.
 */
export interface VerifierOptions {
  clock: Pick<Clock, 'now'>;
  baseline: Baseline;
  /** Ids of this verifier's commands start with it, so acks of other senders' commands are ignored. */
  commandIdPrefix?: string;
  /** Only homes whose id starts with this count (other fleets may share the topics); default every home. */
  homePrefix?: string | undefined;
  /** Only these homes count (`fleet --verify` in one shard: its own homes, not the other shards'). */
  homes?: ReadonlySet<string> | undefined;
  /** A command not acknowledged within this long counts as unanswered (default 10 s). */
  commandTimeoutMs?: number;
}

export interface CommandTotals {
  sent: number;
  acked: number;
  /** Not acknowledged within the timeout. */
  unanswered: number;
  pending: number;
  rttMs: LatencySummary;
}

export interface VerifyReport extends SequenceTotals {
  /** Seconds since the verifier started. */
  elapsedS: number;
  /** Messages that were not JSON or lacked the fields (not counted as reports). */
  invalid: number;
  latencyMs: LatencySummary;
  /** Since the previous interval report. */
  interval: {
    seconds: number;
    received: number;
    lost: number;
    duplicates: number;
    reordered: number;
    latencyMs: LatencySummary;
  };
  commands?: CommandTotals;
  /** Final report only: the homes with anything wrong, worst first. */
  anomalies?: HomeAnomalies[];
}

export class Verifier {
  readonly tracker: SequenceTracker;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #started: number;
  readonly #latency = new LatencyRecorder();
  readonly #intervalLatency = new LatencyRecorder();
  readonly #rtt = new LatencyRecorder();
  readonly #pending = new Map<string, number>();
  readonly #idPrefix: string;
  readonly #homePrefix: string;
  readonly #homes: ReadonlySet<string> | undefined;
  readonly #commandTimeoutMs: number;
  #invalid = 0;
  #sent = 0;
  #acked = 0;
  #unanswered = 0;
  #commandSeq = 0;
  #last: { at: number; totals: SequenceTotals };
  /** Homes heard from and not announced offline: where commands can go. */
  readonly #live: string[] = [];
  readonly #liveAt = new Map<string, number>();

  constructor(o: VerifierOptions) {
    this.#clock = o.clock;
    this.tracker = new SequenceTracker({ baseline: o.baseline });
    this.#idPrefix = o.commandIdPrefix ?? 'verify-';
    this.#commandTimeoutMs = o.commandTimeoutMs ?? 10_000;
    this.#homePrefix = o.homePrefix ?? '';
    this.#homes = o.homes;
    this.#started = o.clock.now();
    this.#last = { at: this.#started, totals: this.tracker.totals() };
  }

  /** One message from a report topic. */
  onMessage(payload: Buffer | string): void {
    const now = this.#clock.now();
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    if (this.#fastSensor(text, now)) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.#invalid++;
      return;
    }
    if (m === null || typeof m !== 'object') return void this.#invalid++;
    const home = m['home'];
    if (typeof home === 'string' && !this.#counts(home)) return;
    switch (m['command']) {
      case 'sensor': {
        const { seq, boot, sent } = m;
        if (typeof home !== 'string' || !isCount(seq) || typeof boot !== 'number') return void this.#invalid++;
        return this.#sensor(home, boot, seq, typeof sent === 'number' ? sent : undefined, now);
      }
      case 'availability': {
        const { seq, boot } = m;
        if (typeof home === 'string') this.#setLive(home, m['state'] === 'online');
        if (typeof home === 'string' && isCount(seq) && typeof boot === 'number')
          this.tracker.announce(home, boot, seq);
        return;
      }
      case 'ack': {
        const id = m['id'];
        if (typeof id !== 'string' || !id.startsWith(this.#idPrefix)) return;
        const at = this.#pending.get(id);
        if (at === undefined) return;
        this.#pending.delete(id);
        this.#acked++;
        this.#rtt.recordMs(now - at);
        return;
      }
      default:
    }
  }

  /** Commands sent and not yet acknowledged. */
  get pendingCommands(): number {
    return this.#pending.size;
  }

  /** A random home that is up (undefined before any reported). */
  randomLiveHome(random = Math.random): string | undefined {
    return this.#live[Math.floor(random() * this.#live.length)];
  }

  #setLive(home: string, live: boolean): void {
    const at = this.#liveAt.get(home);
    if (live && at === undefined) {
      this.#liveAt.set(home, this.#live.length);
      this.#live.push(home);
    } else if (!live && at !== undefined) {
      const last = this.#live.pop()!;
      if (last !== home) {
        this.#live[at] = last;
        this.#liveAt.set(last, at);
      }
      this.#liveAt.delete(home);
    }
  }

  #counts(home: string): boolean {
    return home.startsWith(this.#homePrefix) && (this.#homes === undefined || this.#homes.has(home));
  }

  #sensor(home: string, boot: number, seq: number, sent: number | undefined, now: number): void {
    if (!this.#liveAt.has(home)) this.#setLive(home, true);
    const arrival = this.tracker.report(home, boot, seq);
    if (arrival !== 'duplicate' && sent !== undefined) {
      this.#latency.recordMs(now - sent);
      this.#intervalLatency.recordMs(now - sent);
    }
  }

  /**
   * A sensor report as the fleet writes it (JSON.stringify of payloads.ts's literal: these fields, this
   * order), read without JSON.parse: at 20,000 reports a second that is most of the verifier's CPU
   * (bench/verify-cost.ts). Anything else, or anything odd, goes the JSON.parse way.
   */
  #fastSensor(text: string, now: number): boolean {
    if (!text.startsWith(SENSOR_PREFIX)) return false;
    const homeEnd = text.indexOf('"', SENSOR_PREFIX.length);
    if (homeEnd < 0) return false;
    const home = text.slice(SENSOR_PREFIX.length, homeEnd);
    if (home.includes('\\')) return false; // an escaped quote: let JSON.parse read it
    if (!this.#counts(home)) return true; // another fleet's (or shard's) home: ignored
    const seq = numberAfter(text, '"seq":', homeEnd);
    const boot = numberAfter(text, '"boot":', homeEnd);
    const sent = numberAfter(text, '"sent":', homeEnd);
    if (!isCount(seq) || boot === undefined || sent === undefined || !text.endsWith('}')) return false;
    this.#sensor(home, boot, seq, sent, now);
    return true;
  }

  /** A fresh command id, recorded as sent now. */
  nextCommandId(): string {
    const id = `${this.#idPrefix}${this.#commandSeq++}`;
    this.#pending.set(id, this.#clock.now());
    this.#sent++;
    return id;
  }

  /** Cumulative counters, and those of the interval since the previous call with `interval: true`. */
  report(o: { interval?: boolean; final?: boolean } = {}): VerifyReport {
    const now = this.#clock.now();
    this.#expireCommands(now, o.final === true);
    const totals = this.tracker.totals();
    const last = this.#last;
    const report: VerifyReport = {
      ...totals,
      elapsedS: round((now - this.#started) / 1000),
      invalid: this.#invalid,
      latencyMs: this.#latency.summary(),
      interval: {
        seconds: round((now - last.at) / 1000),
        received: totals.received - last.totals.received,
        lost: totals.lost - last.totals.lost,
        duplicates: totals.duplicates - last.totals.duplicates,
        reordered: totals.reordered - last.totals.reordered,
        latencyMs: this.#intervalLatency.summary(),
      },
      ...(this.#sent > 0
        ? {
            commands: {
              sent: this.#sent,
              acked: this.#acked,
              unanswered: this.#unanswered,
              pending: this.#pending.size,
              rttMs: this.#rtt.summary(),
            },
          }
        : {}),
      ...(o.final ? { anomalies: this.tracker.anomalies() } : {}),
    };
    if (o.interval) {
      this.#last = { at: now, totals };
      this.#intervalLatency.reset();
    }
    return report;
  }

  #expireCommands(now: number, all: boolean): void {
    for (const [id, at] of this.#pending) {
      if (!all && now - at < this.#commandTimeoutMs) break; // insertion order = send order
      this.#pending.delete(id);
      this.#unanswered++;
    }
  }
}

const SENSOR_PREFIX = '{"Producer":"smarthome","command":"sensor","home":"';

function numberAfter(text: string, key: string, from: number): number | undefined {
  const i = text.indexOf(key, from);
  if (i < 0) return undefined;
  const n = parseFloat(text.slice(i + key.length, i + key.length + 24));
  return Number.isFinite(n) ? n : undefined;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const round = (x: number): number => Math.round(x * 100) / 100;
