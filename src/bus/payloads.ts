import { decodeStatus, type HomeStatus } from '../home/status-codec.js';
import type { HomeEvent, SensorReading, StatusCause, StatusReport, StatusString } from '../home/types.js';
import type { ROUTE_NAMES } from '../core/routes.js';

/**
 * Every message the bridge publishes, typed per route: a payload change is a compile error wherever it
 * is built or read. All carry `"Producer":"smarthome"` and a `command`, the bus's convention
 * (docs/car2home-bus.md §3), plus the home id.
 */
interface Base {
  Producer: 'smarthome';
  home: string;
  /** ISO time on the home's clock. */
  time: string;
}

export interface StatusPayload extends Base, HomeStatus {
  command: 'status';
  status: StatusString;
  cause: StatusCause;
}

/**
 * End-to-end verification fields (docs/fleet.md, "Verifying delivery"): a fleet home stamps every sensor
 * report; a single home (`run`) leaves them out. Optional, so every reader of the payloads keeps working.
 */
export interface Sequenced {
  /** 0, 1, 2, … per home and boot: a gap is a lost report, a repeat a duplicate. */
  seq?: number;
  /** Wall-clock ms when this run of the home began numbering: a new value is a restarted home (seq from 0). */
  boot?: number;
  /** Wall-clock ms (0.01 ms) when the report was handed to the bus: receipt − sent is the end-to-end latency. */
  sent?: number;
}

export type SensorPayload = Base &
  Sequenced & { command: 'sensor' } & (
    | { sensor: 'climate'; temp: number; humi: number }
    | { sensor: 'rain'; rain: 0 | 1 }
  );

export type EventPayload = Base & { command: 'event' } & (
    | { event: 'button'; button: string }
    | { event: 'window'; open: boolean }
    | EmergencyEvent
  );

/** What the home did about an emergency broadcast (docs/bus.md, "Emergency broadcasts"). */
export interface EmergencyEvent {
  event: 'emergency';
  /** Where the broadcast came from: the AMQP exchange and routing key. */
  exchange: string;
  routingKey: string;
  /** The start of the broadcast's body, escaped. */
  message: string;
  /** Broadcasts answered by this one reaction (more that arrived while it waited for the device). */
  messages: number;
  /** The command applied (devices.json emergency.command). */
  applied: StatusString;
  /** The status after it, or the last known one if it failed. */
  status: StatusString | null;
  changed: boolean;
  /** The error code when the device did not take the command (also sent as an error report). */
  error?: string;
}

export interface AckPayload extends Base {
  command: 'ack';
  /** The request's id, as sent (string or number). */
  id?: string | number;
  /** The command string applied (for JSON commands, its encoding). */
  request: StatusString | 'status';
  status: StatusString;
  changed: boolean;
  /** Milliseconds from receipt to acknowledgement (wall time). */
  latencyMs: number;
}

export interface ErrorPayload extends Base {
  command: 'error';
  code: string;
  reason: string;
  id?: string | number;
  /** Where the offending input came from: a bus topic, or `device` for the link. */
  source: string;
  /** The start of the offending payload, escaped (never the whole of a large one). */
  excerpt?: string;
}

export interface AvailabilityPayload extends Base {
  command: 'availability';
  /** Fleet homes: sensor reports numbered so far in this boot (the next seq), so a verifier knows what to expect. */
  seq?: number;
  boot?: number;
  state: 'online' | 'offline';
  link?: string;
  /** Fleet homes on a shared connection (--connections): the gateway whose will speaks for them too. */
  gateway?: string;
  /** A gateway's own availability: how many homes it carries. */
  homes?: number;
  version?: string;
}

export interface HealthPayload extends Base {
  command: 'health';
  uptimeS: number;
  counters: Record<string, number>;
  queueDepth: number;
  ackLatencyMs: { p50: number; p99: number; count: number };
  /** Publish to broker acknowledgement (PUBACK) at QoS 1. */
  pubackLatencyMs?: { p50: number; p99: number; count: number };
}

export interface RoutePayloads {
  status: StatusPayload;
  sensor: SensorPayload;
  event: EventPayload;
  ack: AckPayload;
  error: ErrorPayload;
  availability: AvailabilityPayload;
  health: HealthPayload;
}
export type RouteName = keyof RoutePayloads;
/** Every route of core/routes.ts has a payload type here, and nothing else does (else this fails to compile). */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
void (true satisfies SameKeys<RouteName, (typeof ROUTE_NAMES)[number]>);

/** The last millisecond `iso` formatted, and its text. */
let isoMs = Number.NaN;
let isoText = '';

/**
 * ISO 8601 text of a time in ms (to the millisecond, as Date keeps it). The reports of a fleet's clock
 * batch fall within a millisecond or two of each other, and a Date and its formatting cost ~0.9 µs of a
 * report's ~28 µs: the last millisecond's text is kept and given again. An invalid time throws
 * RangeError, every time, as Date's does.
 */
export function iso(ms: number): string {
  const whole = Math.trunc(ms); // what Date keeps of a fractional time
  if (whole !== isoMs) {
    const text = new Date(whole).toISOString();
    isoMs = whole;
    isoText = text;
  }
  return isoText;
}

export function statusPayload(home: string, r: StatusReport): StatusPayload {
  return {
    Producer: 'smarthome',
    command: 'status',
    home,
    time: iso(r.time),
    status: r.status,
    cause: r.cause,
    ...decodeStatus(r.status),
  };
}

/**
 * Written out in full, not spread from a shared base: this runs for every reading of every home of a fleet, and the
 * spread costs several times the literal.
 */
export function sensorPayload(home: string, r: SensorReading): SensorPayload {
  const time = iso(r.time);
  return r.sensor === 'climate'
    ? { Producer: 'smarthome', command: 'sensor', home, time, sensor: 'climate', temp: r.temperature, humi: r.humidity }
    : { Producer: 'smarthome', command: 'sensor', home, time, sensor: 'rain', rain: r.raining ? 1 : 0 };
}

export function eventPayload(home: string, e: HomeEvent): EventPayload {
  const base = { Producer: 'smarthome', command: 'event', home, time: iso(e.time) } as const;
  return e.event === 'button'
    ? { ...base, event: 'button', button: e.button }
    : { ...base, event: 'window', open: e.open };
}

/**
 * A short excerpt of an untrusted payload for error reports and logs: the text itself, cut. It is not
 * escaped here: every consumer (a JSON report, a pino log line) escapes it once, and escaping it twice
 * made `{"bad":` arrive as `{\\"bad\\":`.
 */
export function excerpt(payload: Buffer | string, max = 64): string {
  const text = typeof payload === 'string' ? payload : payload.subarray(0, max * 4).toString('utf8');
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
