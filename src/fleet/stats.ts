import { sumBoardStats, type BoardStats } from './board-stats.js';
import { Histogram } from './histogram.js';
import type { PacerStats } from './connect-pacer.js';

/**
 * What a fleet (or one worker's slice of it) has done so far. Counters are cumulative, histograms are
 * counts per bucket (see histogram.ts): snapshots from several workers add up, and two snapshots of one
 * fleet subtract to the interval between them.
 */
export interface FleetStats {
  /** Homes assigned. */
  homes: number;
  /** Homes whose connection was attempted. */
  started: number;
  connected: number;
  messagesIn: number;
  messagesOut: number;
  /** Sensor readings published. */
  reports: number;
  /** Error reports of the bridges plus refused connections. */
  errors: number;
  /** Connections lost after being established. */
  disconnects: number;
  /** How late each report went out against its schedule, ms. */
  lateness: number[];
  /** Command receipt → acknowledgement, ms. */
  ackLatency: number[];
  /** Connecting: the current rate (connections/s), CONNACKs awaited, first attempts refused or failed. */
  connect?: PacerStats | undefined;
  /** The emulated boards of the firmware homes (absent when there are none). */
  boards?: BoardStats | undefined;
  /** Gateway mode (--connections): shared connections, and how many of them are up. */
  connections?: number | undefined;
  connectionsUp?: number | undefined;
  /** Set when the broker refused the fleet for good. */
  fatal?: string | undefined;
}

export function emptyStats(): FleetStats {
  return {
    homes: 0,
    started: 0,
    connected: 0,
    messagesIn: 0,
    messagesOut: 0,
    reports: 0,
    errors: 0,
    disconnects: 0,
    lateness: [],
    ackLatency: [],
  };
}

/** Sums snapshots (the main thread adding up its workers). */
export function sumStats(parts: readonly FleetStats[]): FleetStats {
  const out = emptyStats();
  const lateness = new Histogram();
  const ack = new Histogram();
  for (const p of parts) {
    out.homes += p.homes;
    out.started += p.started;
    out.connected += p.connected;
    out.messagesIn += p.messagesIn;
    out.messagesOut += p.messagesOut;
    out.reports += p.reports;
    out.errors += p.errors;
    out.disconnects += p.disconnects;
    lateness.add(p.lateness);
    ack.add(p.ackLatency);
    out.fatal ??= p.fatal;
    if (p.connections !== undefined) {
      out.connections = (out.connections ?? 0) + p.connections;
      out.connectionsUp = (out.connectionsUp ?? 0) + (p.connectionsUp ?? 0);
    }
  }
  out.lateness = lateness.snapshot();
  out.ackLatency = ack.snapshot();
  const connect = sumPacerStats(parts.map((p) => p.connect));
  if (connect) out.connect = connect;
  const boards = sumBoardStats(parts.map((p) => p.boards));
  if (boards) out.boards = boards;
  return out;
}

/** Every worker paces its own share: rates and counts add up. */
function sumPacerStats(parts: ReadonlyArray<PacerStats | undefined>): PacerStats | undefined {
  let out: PacerStats | undefined;
  for (const p of parts) {
    if (!p) continue;
    out ??= { rate: 0, inFlight: 0, connected: 0, refused: 0, backoffs: 0, adaptive: p.adaptive };
    out.rate += p.rate;
    out.inFlight += p.inFlight;
    out.connected += p.connected;
    out.refused += p.refused;
    out.backoffs += p.backoffs;
  }
  return out;
}

/** Rates and percentiles between two snapshots (`earlier` may be empty stats for "since start"). */
export interface FleetRates {
  connected: number;
  homes: number;
  started: number;
  inPerS: number;
  outPerS: number;
  reportsPerS: number;
  errors: number;
  disconnects: number;
  /** First connection attempts refused or failed, since start. */
  refused: number;
  ackP50: number;
  ackP99: number;
  acks: number;
  lateP50: number;
  lateP99: number;
  lateMax: number;
  /** Gateway mode: shared connections up / all. */
  connectionsUp?: number | undefined;
  connections?: number | undefined;
}

export function rates(earlier: FleetStats, later: FleetStats, seconds: number): FleetRates {
  const s = Math.max(seconds, 1e-3);
  const ack = Histogram.between(earlier.ackLatency, later.ackLatency);
  const late = Histogram.between(earlier.lateness, later.lateness);
  return {
    connected: later.connected,
    homes: later.homes,
    started: later.started,
    inPerS: (later.messagesIn - earlier.messagesIn) / s,
    outPerS: (later.messagesOut - earlier.messagesOut) / s,
    reportsPerS: (later.reports - earlier.reports) / s,
    errors: later.errors,
    disconnects: later.disconnects,
    refused: later.connect?.refused ?? 0,
    ackP50: ack.percentile(50),
    ackP99: ack.percentile(99),
    acks: ack.count,
    lateP50: late.percentile(50),
    lateP99: late.percentile(99),
    lateMax: late.percentile(100),
    ...(later.connections !== undefined
      ? { connections: later.connections, connectionsUp: later.connectionsUp ?? 0 }
      : {}),
  };
}
