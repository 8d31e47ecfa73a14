import { describeMessage } from '../bus/describe-message.js';
import { COLOUR_TABLE } from '../home/light.js';
import { COLOUR_NAMES, decodeStatus, EFFECT_NAMES, MODE_NAMES, type HomeStatus } from '../home/status-codec.js';

/**
 * What the home page shows, built from the bus as any observer sees it: the home's status, its
 * readings with history since start, acknowledgements, errors and the decoded bus log. Pure: fed
 * messages and times, no I/O. Bounded: the log, errors and acks keep their last N; the history keeps
 * every reading until it holds HISTORY_MAX, then every other one (so it always spans the whole run).
 */
export interface LogEntry {
  t: number;
  topic: string;
  text: string;
  kind: string;
}

export interface HistoryPoint {
  t: number;
  temp?: number;
  humi?: number;
  rain?: 0 | 1;
}

const LOG_MAX = 300;
const ERRORS_MAX = 50;
const ACKS_MAX = 20;
const HISTORY_MAX = 1000;

export class HomeModel {
  status: string | undefined;
  decoded: HomeStatus | undefined;
  cause: string | undefined;
  availability: string | undefined;
  climate: { temp: number; humi: number; t: number } | undefined;
  rain: { raining: boolean; t: number } | undefined;
  health: Record<string, unknown> | undefined;
  readonly log: LogEntry[] = [];
  readonly errors: Array<{ t: number; code: string; reason: string; source?: string }> = [];
  readonly acks: Array<{
    t: number;
    id?: unknown;
    request: string;
    status: string;
    latencyMs: number;
    roundTripMs?: number;
  }> = [];
  readonly history: HistoryPoint[] = [];
  readonly counts = { messages: 0, commands: 0, reports: 0, acks: 0, errors: 0 };
  #historyStride = 1;
  #historySkip = 0;

  constructor(readonly home: string) {}

  /** One bus message (any topic; reports of other homes are left out). */
  ingest(topic: string, payload: Buffer, t: number): void {
    let m: Record<string, unknown> | undefined;
    if (payload[0] === 0x7b) {
      try {
        m = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      } catch {
        m = undefined;
      }
    }
    const from = m && typeof m['home'] === 'string' ? m['home'] : undefined;
    if (from !== undefined && from !== this.home) return;
    this.counts.messages++;
    const kind = m?.['Producer'] === 'smarthome' ? String(m['command']) : 'command';
    this.#pushLog({ t, topic, text: describeMessage(topic, payload), kind });
    if (m?.['Producer'] !== 'smarthome') {
      this.counts.commands++;
      return;
    }
    // Status and availability may share one retained topic, so a late subscriber sees only the status:
    // a home that reports is online until it says otherwise.
    if (m['command'] !== 'availability' && this.availability === undefined) this.availability = 'online';
    switch (m['command']) {
      case 'status':
        if (typeof m['status'] === 'string' && /^\d{9}$/.test(m['status'])) {
          this.status = m['status'];
          this.decoded = decodeStatus(m['status']);
          this.cause = String(m['cause']);
        }
        break;
      case 'sensor':
        this.counts.reports++;
        if (m['sensor'] === 'climate') {
          this.climate = { temp: Number(m['temp']), humi: Number(m['humi']), t };
          this.#record({ t, temp: this.climate.temp, humi: this.climate.humi });
        } else {
          this.rain = { raining: m['rain'] === 1, t };
          this.#record({ t, rain: m['rain'] === 1 ? 1 : 0 });
        }
        break;
      case 'ack':
        this.counts.acks++;
        this.acks.unshift({
          t,
          id: m['id'],
          request: String(m['request']),
          status: String(m['status']),
          latencyMs: Number(m['latencyMs']),
        });
        this.acks.length = Math.min(this.acks.length, ACKS_MAX);
        break;
      case 'error':
        this.counts.errors++;
        this.errors.unshift({
          t,
          code: String(m['code']),
          reason: String(m['reason']),
          ...(typeof m['source'] === 'string' ? { source: m['source'] } : {}),
        });
        this.errors.length = Math.min(this.errors.length, ERRORS_MAX);
        break;
      case 'availability':
        this.availability = String(m['state']);
        break;
      case 'health':
        this.health = m;
        break;
    }
  }

  /** The status an ack carried (fleet homes do not retain their status report). */
  noteStatus(status: string, cause: string): void {
    if (!/^\d{9}$/.test(status)) return;
    this.status = status;
    this.decoded = decodeStatus(status);
    this.cause = cause;
  }

  /** The round trip the panel measured for an ack it waited for. */
  noteRoundTrip(id: unknown, request: string, roundTripMs: number): void {
    const a = this.acks.find((x) => (id !== undefined ? x.id === id : x.request === request));
    if (a) a.roundTripMs = roundTripMs;
  }

  snapshot(): Record<string, unknown> {
    return {
      names: HOME_NAMES,
      home: this.home,
      status: this.status,
      decoded: this.decoded,
      cause: this.cause,
      availability: this.availability,
      climate: this.climate,
      rain: this.rain,
      health: this.health,
      counts: this.counts,
      acks: this.acks,
      errors: this.errors,
      log: this.log.slice(-100),
      history: this.history,
    };
  }

  #pushLog(e: LogEntry): void {
    this.log.push(e);
    if (this.log.length > LOG_MAX) this.log.splice(0, this.log.length - LOG_MAX);
  }

  #record(p: HistoryPoint): void {
    if (++this.#historySkip < this.#historyStride) return;
    this.#historySkip = 0;
    this.history.push(p);
    if (this.history.length >= HISTORY_MAX) {
      // Keep every other point: the chart still spans the whole run, at half the detail.
      const kept = this.history.filter((_, i) => i % 2 === 0);
      this.history.length = 0;
      this.history.push(...kept);
      this.#historyStride *= 2;
    }
  }
}

/** What the page shows for the status digits: the home's own tables, so the page never repeats them. */
const HOME_NAMES = { colours: COLOUR_NAMES, colourRgb: COLOUR_TABLE, effects: EFFECT_NAMES, modes: MODE_NAMES };
