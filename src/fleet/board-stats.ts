import { Histogram } from './histogram.js';

/**
 * Figures of a fleet's emulated boards (firmware homes), in the fleet's stats structure so the live
 * line, `--output json` and the panel's fleet page read the same numbers. Lag is how far a board's time
 * is behind the wall clock (sampled every 100 ms); a board that cannot keep up is never slowed down to
 * hide it, so its lag grows and shows here.
 */
export interface BoardFigures {
  home: string;
  /** Lag behind the wall clock since the board started, ms. */
  lagP50: number;
  lagP99: number;
  lagMax: number;
  /** Simulated MHz over the last quarter second (16 = real time for a Uno). */
  mhz: number;
  /** Lines the board sent over its serial line. */
  lines: number;
  /** Lines from the board the host dropped for a bad checksum. */
  checksumErrors: number;
  /** Board resets after the link's first port open (a board-reset fault, the reopen after an unplug). */
  resets: number;
  /** Board start → the home's boot status report, ms (undefined until then). */
  bootMs?: number | undefined;
  /** The cable is pulled (an unplug fault without its replug yet). */
  unplugged: boolean;
}

export interface BoardStats {
  boards: number;
  /** Every board's lag samples, ms (a histogram snapshot: subtract two for an interval). */
  lag: number[];
  lagMax: number;
  /** Sum of the boards' simulated MHz (divide by `boards` for the mean). */
  mhz: number;
  /** Slowest board's simulated MHz. */
  mhzMin: number;
  lines: number;
  checksumErrors: number;
  resets: number;
  /** Board start → boot status report, ms, per board that has reported. */
  boot: number[];
  each: BoardFigures[];
}

export function emptyBoardStats(): BoardStats {
  return {
    boards: 0,
    lag: [],
    lagMax: 0,
    mhz: 0,
    mhzMin: 0,
    lines: 0,
    checksumErrors: 0,
    resets: 0,
    boot: [],
    each: [],
  };
}

/** Adds up workers' board figures (undefined when no part runs boards). */
export function sumBoardStats(parts: readonly (BoardStats | undefined)[]): BoardStats | undefined {
  const present = parts.filter((p): p is BoardStats => p !== undefined);
  if (present.length === 0) return undefined;
  const out = emptyBoardStats();
  const lag = new Histogram();
  const boot = new Histogram();
  out.mhzMin = Infinity;
  for (const p of present) {
    out.boards += p.boards;
    lag.add(p.lag);
    boot.add(p.boot);
    out.lagMax = Math.max(out.lagMax, p.lagMax);
    out.mhz += p.mhz;
    if (p.boards > 0) out.mhzMin = Math.min(out.mhzMin, p.mhzMin);
    out.lines += p.lines;
    out.checksumErrors += p.checksumErrors;
    out.resets += p.resets;
    out.each.push(...p.each);
  }
  if (!Number.isFinite(out.mhzMin)) out.mhzMin = 0;
  out.lag = lag.snapshot();
  out.boot = boot.snapshot();
  return out;
}

/** Board figures between two snapshots (lag over the interval; counters cumulative). */
export interface BoardRates {
  boards: number;
  lagP50: number;
  lagP99: number;
  lagMax: number;
  mhzMean: number;
  mhzMin: number;
  lines: number;
  checksumErrors: number;
  resets: number;
  bootP50: number;
  bootMax: number;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export function boardRates(earlier: BoardStats | undefined, later: BoardStats): BoardRates {
  const lag = Histogram.between(earlier?.lag ?? [], later.lag);
  const boot = new Histogram(later.boot);
  return {
    boards: later.boards,
    lagP50: round2(lag.percentile(50)),
    lagP99: round2(lag.percentile(99)),
    lagMax: round2(lag.percentile(100)),
    mhzMean: round2(later.boards > 0 ? later.mhz / later.boards : 0),
    mhzMin: round2(later.mhzMin),
    lines: later.lines,
    checksumErrors: later.checksumErrors,
    resets: later.resets,
    bootP50: round2(boot.percentile(50)),
    bootMax: round2(boot.percentile(100)),
  };
}

const ms = (v: number): string => (v < 10 ? v.toFixed(1) : v.toFixed(0));

/** The boards' part of the live line. */
export function boardLine(r: BoardRates): string {
  return (
    `boards ${r.boards} · lag p50 ${ms(r.lagP50)} p99 ${ms(r.lagP99)} max ${ms(r.lagMax)} ms · ` +
    `${r.mhzMean.toFixed(1)} MHz (min ${r.mhzMin.toFixed(1)}) · lines ${r.lines} · checksum errors ` +
    `${r.checksumErrors} · resets ${r.resets}`
  );
}
