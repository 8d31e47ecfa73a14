import type { Clock } from '../../environment/clock.js';
import { LatencyRecorder, type LatencySummary } from './latency.js';
import {
  SequenceTracker,
  type Baseline,
  type HomeAnomalies,
  type HomeState,
  type SequenceTotals,
} from './sequence-tracker.js';

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
  /**
   * Latencies since the last report(), folded into the total and the interval there: one histogram
   * update per report instead of two.
   */
  readonly #fresh = new LatencyRecorder();
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
  /** Homes announced offline and not heard from since: while there are none, a tracked home is live. */
  readonly #down = new Set<string>();
  #lastMessageAt = 0;
  /** Homes `<prefix>-<i>` by i, for the first prefix seen (#indexOf). */
  readonly #byIndex: ({ home: string; entry: HomeState } | undefined)[] = [];
  #indexPrefix: Buffer | undefined;
  /** Reads the fleet's own sensor payloads (one per verifier: no allocation per report). */
  readonly #reader = new FleetReportReader();

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

  /** One message from a report topic: bytes `start` to `end` (default: all) of `payload`, read during the call only. */
  onMessage(payload: Buffer | string, start = 0, end?: number): void {
    const now = this.#clock.now();
    this.#lastMessageAt = now;
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    end ??= bytes.length;
    if (this.#fastSensor(bytes, start, end, now)) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(bytes.toString('utf8', start, end)) as Record<string, unknown>;
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
        return this.#sensor(home, undefined, boot, seq, typeof sent === 'number' ? sent : undefined, now);
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

  /** When the last message came (the verifier's clock; 0 before any): a stopping verify waits for quiet. */
  get lastMessageAt(): number {
    return this.#lastMessageAt;
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
    if (live) this.#down.delete(home);
    else this.#down.add(home);
  }

  #counts(home: string): boolean {
    return home.startsWith(this.#homePrefix) && (this.#homes === undefined || this.#homes.has(home));
  }

  /** `entry`: the home's tracker entry when the caller has it (no lookup by name). */
  #sensor(
    home: string,
    entry: HomeState | undefined,
    boot: number,
    seq: number,
    sent: number | undefined,
    now: number,
  ): void {
    const known = this.tracker.homeCount;
    const arrival = entry ? this.tracker.reportTo(entry, boot, seq) : this.tracker.report(home, boot, seq);
    // A reporting home is live; only a home new to the tracker or one announced offline can be missing
    // there, so the lookup is skipped for the rest (most reports).
    if ((this.tracker.homeCount > known || this.#down.size > 0) && !this.#liveAt.has(home)) this.#setLive(home, true);
    if (arrival !== 'duplicate' && sent !== undefined) this.#fresh.recordMs(now - sent);
  }

  /**
   * A sensor report as the fleet writes it (JSON.stringify of payloads.ts's literal: these fields, this
   * order), read from its bytes without decoding or JSON.parse: at 20,000 reports a second that is most
   * of the verifier's CPU (bench/verify-cost.ts). Anything else, or anything odd (an escape, a number
   * JSON writes with an exponent or a sign), goes the JSON.parse way.
   */
  #fastSensor(b: Buffer, from: number, end: number, now: number): boolean {
    const start = from + SENSOR_PREFIX.length;
    if (b[end - 1] !== CLOSE_BRACE || !bytesAt(b, SENSOR_PREFIX, from, end)) return false;
    let homeEnd = start;
    for (; homeEnd < end; homeEnd++) {
      const c = b[homeEnd]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) return false; // an escaped character: let JSON.parse read it
    }
    const index = this.#indexOf(b, start, homeEnd);
    const known = index >= 0 ? this.#byIndex[index] : undefined;
    const home = known ? known.home : b.toString('utf8', start, homeEnd);
    if (!known && !this.#counts(home)) return true; // another fleet's (or shard's) home: ignored
    const r = this.#reader;
    r.end = end;
    // The fleet's numbers close its reports: found from the end, each key then follows the previous
    // number's comma; in any other order the reader searches forward from the home.
    const tail = tailAt(b, homeEnd, end);
    r.at = tail >= 0 ? tail : homeEnd;
    const seq = r.numberAfter(b, SEQ_KEY);
    const boot = seq === undefined ? undefined : r.numberAfter(b, BOOT_KEY);
    const sent = boot === undefined ? undefined : r.numberAfter(b, SENT_KEY);
    if (!isCount(seq) || boot === undefined || sent === undefined) return false;
    this.#sensor(home, known?.entry, boot, seq, sent, now);
    if (index >= 0 && !known) this.#remember(index, home);
    return true;
  }

  /**
   * The number of a fleet home `<prefix>-<i>` whose prefix is that of the first home indexed, or −1 (no
   * number, a leading zero, another prefix): a known home's entry is then found by its number, without
   * making its name from the bytes and looking that up among 10,000 (most of a verifier's time per report).
   */
  #indexOf(b: Buffer, start: number, end: number): number {
    let dash = end - 1;
    while (dash > start && b[dash] !== DASH) dash--;
    const digits = end - dash - 1;
    if (b[dash] !== DASH || digits < 1 || digits > 7 || (digits > 1 && b[dash + 1] === ZERO)) return -1;
    let index = 0;
    for (let i = dash + 1; i < end; i++) {
      const d = b[i]! - ZERO;
      if (d < 0 || d > 9) return -1;
      index = index * 10 + d;
    }
    const prefix = this.#indexPrefix;
    if (prefix === undefined) return index; // the first home indexed (#remember) sets the prefix
    return prefix.length === dash + 1 - start && bytesAt(b, prefix, start, end) ? index : -1;
  }

  /** Indexes a home #indexOf numbered, once it counted; the first sets the prefix. */
  #remember(index: number, home: string): void {
    if (this.#indexPrefix === undefined) this.#indexPrefix = Buffer.from(home.slice(0, home.lastIndexOf('-') + 1));
    this.#byIndex[index] = { home, entry: this.tracker.entry(home)! };
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
    this.#latency.add(this.#fresh);
    this.#intervalLatency.add(this.#fresh);
    this.#fresh.reset();
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

const SENSOR_PREFIX = Buffer.from('{"Producer":"smarthome","command":"sensor","home":"');
const SEQ_KEY = Buffer.from('"seq":');
const BOOT_KEY = Buffer.from('"boot":');
const SENT_KEY = Buffer.from('"sent":');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const DOT = 0x2e;
const ZERO = 0x30;
const DASH = 0x2d;

/**
 * The longest tail `,"seq":N,"boot":B,"sent":S}` a fleet writes (15 digits each, 9 more after the point
 * in S), with room to spare.
 */
const TAIL_MAX = 96;

/**
 * Where `"seq":` begins in the last TAIL_MAX bytes before `end`, after a comma (a key, not part of a
 * string: a quote there would be escaped), and after `from`; −1 if not there.
 */
function tailAt(b: Buffer, from: number, end: number): number {
  const stop = Math.max(from + 1, end - TAIL_MAX);
  for (let i = end - SEQ_KEY.length - 2; i >= stop; i--)
    if (b[i] === QUOTE && b[i - 1] === COMMA && bytesAt(b, SEQ_KEY, i, end)) return i;
  return -1;
}

/** Reads the numbers of a fleet-written payload in order, from `at` on, up to `end`. */
class FleetReportReader {
  /** Where the next key is looked for: after the previous number's `,`. */
  at = 0;
  /** Where the payload ends. */
  end = 0;

  /**
   * The number after `key` (at `at`, else searched from there) as JSON.stringify writes a non-negative
   * one: digits, optionally up to 9 fraction digits, then `,` or `}`. Anything else (a sign, an exponent,
   * a string, a longer number) is undefined.
   */
  numberAfter(b: Buffer, key: Buffer): number | undefined {
    const end = this.end;
    const at = bytesAt(b, key, this.at, end) ? this.at : b.indexOf(key, this.at);
    if (at < 0 || at + key.length > end) return undefined;
    let i = at + key.length;
    let whole = 0;
    let digits = 0;
    for (; i < end; i++, digits++) {
      const d = b[i]! - ZERO;
      if (d < 0 || d > 9) break;
      whole = whole * 10 + d;
    }
    if (digits === 0 || digits > 15) return undefined; // beyond 15 digits the sum is no longer exact
    if (b[i] === DOT) {
      let fraction = 0;
      let scale = 1;
      for (i++; i < end && scale < 1e9; i++) {
        const d = b[i]! - ZERO;
        if (d < 0 || d > 9) break;
        fraction = fraction * 10 + d;
        scale *= 10;
      }
      if (scale === 1) return undefined;
      whole += fraction / scale;
    }
    this.at = i + 1;
    return i < end && (b[i] === COMMA || b[i] === CLOSE_BRACE) ? whole : undefined;
  }
}

/** Whether `key` is at `at`, wholly before `end`. */
function bytesAt(b: Buffer, key: Buffer, at: number, end: number): boolean {
  if (at + key.length > end) return false;
  for (let k = 0; k < key.length; k++) if (b[at + k] !== key[k]) return false;
  return true;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const round = (x: number): number => Math.round(x * 100) / 100;
