import { readFileSync } from 'node:fs';
import { Histogram } from '../src/fleet/histogram.js';
import type { FleetStats } from '../src/fleet/stats.js';
import { JsonLinesChild, type StatsLine } from './support/json-lines.js';
import { LAUNCHER } from './support/launcher.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuPerInterval, cpuShare, sampleOneEverySecond, sampleProc, type ProcSample } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * Fleet scale: `smarthome-bridge fleet` at a 1 s report period against a private mosquitto in another
 * process, at growing N; then the same traffic from a plain mqtt.js loop (bench/fleet/baseline.ts) on
 * the same broker. For each: CPU and RSS of the publishing process over a steady window (after every
 * home connected), messages per second, and how late each report left against its schedule.
 */
const STEPS = [1000, 5000, 10_000, 15_000, 20_000];
const QUICK_STEPS = [200, 1000];
const CONNECT_RATE = 2000;
const REPORT_PERIOD_MS = 1000;
/** Sockets the fleet process needs besides its homes (stdio, epoll, the loader, workers, slack). */
const FD_RESERVE = 300;
const LATE_P99_TARGET_MS = 100;
/** No new connection for this long: the machine cannot take more homes now (or the broker refuses). */
const STALL_MS = 20_000;
const SETTLE_MAX_MS = 15_000;
const STARTUP_MS = 60_000;
/** The whole benchmark stays within this (npm run bench has 10 minutes for everything). */
const BUDGET_S = 420;
const RSS_TARGET_BYTES = 1024 ** 3;

export interface Measured {
  kind: 'fleet' | 'baseline' | 'raw';
  workers: number;
  homes: number;
  connected: number;
  connectS: number;
  /** From the process's first stats line (less one interval) to every home connected: start-up left out. */
  connectOnlyS?: number;
  windowS: number;
  /** Median of the 1-s CPU samples, % of one core. */
  cpuPct: number;
  /** The 1-s CPU samples themselves, % of one core (what the median was taken of). */
  cpuSeriesPct?: number[];
  rssMiB: number;
  rssPeakMiB: number;
  outPerS: number;
  cpuUsPerMessage: number;
  lateP50Ms: number;
  lateP99Ms: number;
  lateMaxMs: number;
  brokerCpuPct: number;
  /** Connections lost after being established, and error reports, since the process started. */
  disconnects: number;
  errors: number;
  error?: string;
}

function fdLimit(): number {
  const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The baseline's and the raw floor's V8 flags: a young generation large enough for per-report garbage
 * (their best case). The fleet is started as a user starts it: bin/smarthome-bridge.js with no flags,
 * which runs dist/ when it is current (`npm run build`) and the sources through tsx otherwise.
 */
const NODE_FLAGS = ['--max-semi-space-size=32', '--import', 'tsx'];

/**
 * Waits until every home is connected; gives up when the count has not grown for STALL_MS, counted
 * from the first stats line (a process with worker threads starts them all before its first line).
 */
async function connectedOrStalled(child: JsonLinesChild, homes: number): Promise<boolean> {
  if (!(await child.waitFor(() => true, STARTUP_MS))) return false;
  let best = -1;
  let since = performance.now();
  for (;;) {
    const line = await child.waitFor((l) => l.stats.connected >= homes, 2000);
    if (line) return true;
    if (child.child.exitCode !== null) return false;
    const now = child.latest?.stats.connected ?? 0;
    if (now > best) {
      best = now;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS) return false;
  }
}

/** Waits (at most SETTLE_MAX_MS) for one second with the expected report rate and no report a second late. */
async function steady(child: JsonLinesChild, homes: number, periodMs = REPORT_PERIOD_MS): Promise<void> {
  const expected = (2 * homes * 1000) / periodMs;
  const end = performance.now() + SETTLE_MAX_MS;
  let prev = child.latest;
  while (performance.now() < end) {
    const next = await child.waitFor((l) => l !== prev, 3000);
    if (!next || !prev) {
      prev = next ?? prev;
      continue;
    }
    const seconds = (Date.parse(next.time) - Date.parse(prev.time)) / 1000;
    const rate = (next.stats.reports - prev.stats.reports) / seconds;
    const late = Histogram.between(prev.stats.lateness, next.stats.lateness).percentile(99);
    prev = next;
    if (Math.abs(rate - expected) < 0.1 * expected && late < 1000) return;
  }
}

/** Report period and connect rate of a run (bench/peers.ts: 2 s and the fleet's adaptive default). */
export interface MeasureOptions {
  periodMs?: number;
  /** Fixed connections/s; 'default' leaves the fleet's own (adaptive) pacing. */
  connectRate?: number | 'default';
  /** Stats line interval of the process under test, ms (its first line comes one interval after start). */
  intervalMs?: number;
}

export async function measure(
  ctx: BenchContext,
  kind: Measured['kind'],
  homes: number,
  url: string,
  brokerPid: number,
  windowS: number,
  workers = 0,
  options: MeasureOptions = {},
): Promise<Measured> {
  const periodMs = options.periodMs ?? REPORT_PERIOD_MS;
  const rate = options.connectRate ?? CONNECT_RATE;
  const intervalMs = options.intervalMs ?? 1000;
  const args =
    kind === 'raw'
      ? [
          ...NODE_FLAGS,
          'bench/fleet/raw-floor.ts',
          '--url',
          url,
          '--homes',
          String(homes),
          '--period-ms',
          String(periodMs),
          '--interval-ms',
          String(intervalMs),
        ]
      : kind === 'fleet'
        ? [
            LAUNCHER,
            'fleet',
            '--homes',
            String(homes),
            '--broker',
            url,
            '--report-period',
            `${periodMs}ms`,
            '--output',
            'json',
            '--interval',
            `${intervalMs}ms`,
            ...(rate === 'default' ? [] : ['--connect-rate', String(rate)]),
            '--workers',
            String(workers),
            '--log-level',
            'error',
          ]
        : [
            ...NODE_FLAGS,
            'bench/fleet/baseline.ts',
            '--url',
            url,
            '--homes',
            String(homes),
            '--period-ms',
            String(periodMs),
            '--interval-ms',
            String(intervalMs),
            '--connect-rate',
            String(rate === 'default' ? 5000 : rate),
          ];
  const child = new JsonLinesChild(process.execPath, args, ctx.root);
  const empty: Measured = {
    kind,
    workers,
    homes,
    connected: 0,
    connectS: NaN,
    windowS,
    cpuPct: NaN,
    rssMiB: NaN,
    rssPeakMiB: NaN,
    outPerS: NaN,
    cpuUsPerMessage: NaN,
    lateP50Ms: NaN,
    lateP99Ms: NaN,
    lateMaxMs: NaN,
    brokerCpuPct: NaN,
    disconnects: NaN,
    errors: NaN,
  };
  try {
    const t0 = performance.now();
    const all = await connectedOrStalled(child, homes);
    if (!all)
      return {
        ...empty,
        connected: child.latest?.stats.connected ?? 0,
        error:
          `connecting stalled at ${child.latest?.stats.connected ?? 0} of ${homes} ` +
          `homes${child.stderr ? ` (stderr: ${child.stderr.slice(-300)})` : ''}`,
      };
    const connectS = (performance.now() - t0) / 1000;
    const firstLine = child.first;
    const allLine = child.latest;
    const connectOnlyS =
      firstLine && allLine ? (Date.parse(allLine.time) - Date.parse(firstLine.time)) / 1000 + intervalMs / 1000 : NaN;
    // The last homes boot one report period after connecting; a process that fell behind while
    // connecting catches up (the homes' schedules are drift-free) before the window opens.
    await sleep(periodMs);
    await steady(child, homes, periodMs);
    const first = await child.waitFor(() => true, 5000);
    const b0 = sampleProc(brokerPid);
    const startLine = child.latest!;
    const samples = await sampleOneEverySecond(child.pid, windowS);
    const endLine = child.latest!;
    const b1 = sampleProc(brokerPid);
    if (!first || endLine === startLine)
      return { ...empty, connected: endLine.stats.connected, error: 'no stats during the window' };
    return {
      ...summarise(kind, homes, startLine, endLine, samples, windowS),
      workers,
      connectS: round(connectS, 1),
      connectOnlyS: round(connectOnlyS, 2),
      brokerCpuPct: round(cpuShare(b0, b1) * 100, 1),
    };
  } finally {
    await child.stop();
  }
}

function summarise(
  kind: Measured['kind'],
  homes: number,
  a: StatsLine,
  b: StatsLine,
  samples: ProcSample[],
  windowS: number,
): Omit<Measured, 'connectS' | 'brokerCpuPct' | 'workers'> {
  const seconds = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
  const sa: FleetStats = a.stats;
  const sb: FleetStats = b.stats;
  const out = (sb.messagesOut - sa.messagesOut) / seconds;
  const cpuPerSecond = cpuPerInterval(samples);
  const late = Histogram.between(sa.lateness, sb.lateness);
  return {
    kind,
    homes,
    connected: sb.connected,
    windowS,
    cpuPct: round(median(cpuPerSecond) * 100, 1),
    cpuSeriesPct: cpuPerSecond.map((c) => round(c * 100, 1)),
    rssMiB: round(samples.at(-1)!.rssBytes / 2 ** 20, 0),
    rssPeakMiB: round(Math.max(...samples.map((s) => s.rssBytes)) / 2 ** 20, 0),
    outPerS: round(out, 0),
    // The median second, not the window's total: one stall of the machine should not decide the figure.
    cpuUsPerMessage: round((median(cpuPerSecond) / out) * 1e6, 1),
    lateP50Ms: round(late.percentile(50), 2),
    lateP99Ms: round(late.percentile(99), 2),
    lateMaxMs: round(late.percentile(100), 1),
    disconnects: sb.disconnects,
    errors: sb.errors,
  };
}

export async function runFleetScale(ctx: BenchContext): Promise<BenchOutcome> {
  const limit = fdLimit();
  const windowS = ctx.quick ? 5 : 15;
  const steps = (ctx.quick ? QUICK_STEPS : STEPS).map((n) => ({
    requested: n,
    homes: Math.min(n, limit - FD_RESERVE),
  }));
  const results: Array<{ requested: number; fleet: Measured; baseline: Measured; ratio: number }> = [];
  const skipped: Array<{ homes: number; reason: string }> = [];
  const started = performance.now();
  // Startup, connecting, settling, the window and stopping, for the fleet and the baseline.
  const estimateS = (homes: number): number => 2 * (10 + homes / CONNECT_RATE + 6 + windowS + 5);
  for (const step of steps) {
    const elapsedS = (performance.now() - started) / 1000;
    const failed = results.find((r) => r.fleet.error);
    const reason = failed
      ? `${failed.fleet.homes} homes already failed (${failed.fleet.error})`
      : elapsedS + estimateS(step.homes) > BUDGET_S
        ? `time budget: ${Math.round(elapsedS)} s spent, this step needs about ` +
          `${Math.round(estimateS(step.homes))} s of ${BUDGET_S} s`
        : undefined;
    if (reason) {
      skipped.push({ homes: step.homes, reason });
      ctx.log(`fleet-scale: ${step.homes} homes skipped: ${reason}`);
      continue;
    }
    const note = step.homes < step.requested ? ` (asked ${step.requested}; the open-file limit is ${limit})` : '';
    ctx.log(`fleet-scale: ${step.homes} homes${note}`);
    const broker = await startBenchMosquitto();
    try {
      const fleet = await measure(ctx, 'fleet', step.homes, broker.url, broker.pid, windowS);
      ctx.log(`  fleet    ${JSON.stringify(fleet)}`);
      const baseline = await measure(ctx, 'baseline', step.homes, broker.url, broker.pid, windowS);
      ctx.log(`  baseline ${JSON.stringify(baseline)}`);
      results.push({
        requested: step.requested,
        fleet,
        baseline,
        ratio: round(fleet.cpuUsPerMessage / baseline.cpuUsPerMessage, 2),
      });
    } finally {
      await broker.stop();
    }
  }
  // The same 10,000 homes spread over two worker threads (no baseline: its traffic is the same).
  let workers: Measured | undefined;
  const workerHomes = Math.min(ctx.quick ? 1000 : 10_000, limit - FD_RESERVE);
  if ((performance.now() - started) / 1000 + estimateS(workerHomes) / 2 > BUDGET_S) {
    skipped.push({ homes: workerHomes, reason: 'time budget (the --workers 2 run)' });
  } else {
    ctx.log(`fleet-scale: ${workerHomes} homes on 2 worker threads`);
    const broker = await startBenchMosquitto();
    try {
      workers = await measure(ctx, 'fleet', workerHomes, broker.url, broker.pid, windowS, 2);
      ctx.log(`  fleet --workers 2 ${JSON.stringify(workers)}`);
    } finally {
      await broker.stop();
    }
  }
  const onTime = results.filter(
    (r) => !r.fleet.error && r.fleet.connected === r.fleet.homes && r.fleet.lateP99Ms < LATE_P99_TARGET_MS,
  );
  const largest = onTime.length ? Math.max(...onTime.map((r) => r.fleet.homes)) : 0;
  const at10k = results.find((r) => r.fleet.homes === 10_000);
  const rows: BenchRow[] = results.flatMap((r): BenchRow[] => {
    const f = r.fleet;
    const b = r.baseline;
    if (f.error) return [{ metric: `${f.homes} homes`, value: `failed: ${f.error.slice(0, 80)}` }];
    return [
      {
        metric: `${f.homes} homes: fleet CPU / RSS (connections lost, errors)`,
        value: `${f.cpuPct} % / ${f.rssMiB} MiB (${f.disconnects}, ${f.errors})`,
        ...(f.homes === 10_000 ? { target: 'RSS ≤ 1024 MiB', met: f.rssPeakMiB * 2 ** 20 <= RSS_TARGET_BYTES } : {}),
      },
      {
        metric: `${f.homes} homes: messages out, CPU per message`,
        value:
          `${f.outPerS}/s, ${f.cpuUsPerMessage} µs (baseline ` +
          `${b.error ? `failed: ${b.error.slice(0, 40)}` : `${b.cpuUsPerMessage} µs`})`,
      },
      {
        metric: `${f.homes} homes: report lateness p50 / p99`,
        value: `${f.lateP50Ms} / ${f.lateP99Ms} ms`,
        target: `p99 < ${LATE_P99_TARGET_MS} ms`,
        met: f.lateP99Ms < LATE_P99_TARGET_MS,
      },
      {
        metric: `${f.homes} homes: CPU per message fleet ÷ baseline`,
        value: `${r.ratio}×`,
        target: '≤ 2×',
        met: r.ratio <= 2,
      },
    ];
  });
  if (workers && !workers.error) {
    rows.push({
      metric: `${workers.homes} homes, --workers 2: CPU / RSS, CPU per message`,
      value: `${workers.cpuPct} % / ${workers.rssMiB} MiB, ${workers.cpuUsPerMessage} µs`,
    });
    rows.push({
      metric: `${workers.homes} homes, --workers 2: report lateness p50 / p99`,
      value: `${workers.lateP50Ms} / ${workers.lateP99Ms} ms`,
      target: `p99 < ${LATE_P99_TARGET_MS} ms`,
      met: workers.lateP99Ms < LATE_P99_TARGET_MS,
    });
  }
  for (const k of skipped) rows.push({ metric: `${k.homes} homes`, value: `skipped: ${k.reason}`.slice(0, 110) });
  rows.push({
    metric: 'largest N on time (lateness p99 < 100 ms)',
    value: largest,
    ...(ctx.quick ? {} : { target: '≥ 10000', met: largest >= 10_000 }),
  });
  if (at10k)
    rows.push({
      metric: '10000 homes in one process',
      value: `RSS peak ${at10k.fleet.rssPeakMiB} MiB, p99 ${at10k.fleet.lateP99Ms} ms`,
      target: '≤ 1024 MiB, on time',
      met: at10k.fleet.rssPeakMiB <= 1024 && at10k.fleet.lateP99Ms < LATE_P99_TARGET_MS,
    });
  return {
    // A step that stalls is a measured limit of this machine, not a broken benchmark.
    status: results.some((r) => !r.fleet.error) ? 'ok' : 'failed',
    rows,
    data: {
      connectRate: CONNECT_RATE,
      reportPeriodMs: REPORT_PERIOD_MS,
      windowS,
      nodeFlags: NODE_FLAGS,
      openFileLimit: limit,
      largestOnTime: largest,
      steps: results,
      skipped,
      workers2: workers,
    },
  };
}

export const fleetScale: Benchmark = {
  name: 'fleet-scale',
  describe: 'fleet at a 1 s report period vs. a plain mqtt.js publisher, against mosquitto',
  run: runFleetScale,
};
