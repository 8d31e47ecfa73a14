import { readFileSync } from 'node:fs';
import { Histogram } from '../src/fleet/histogram.js';
import type { FleetStats } from '../src/fleet/stats.js';
import { JsonLinesChild, type StatsLine } from './support/json-lines.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuShare, sampleProc, type ProcSample } from './support/proc.js';
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
const RSS_TARGET_BYTES = 1024 ** 3;

export interface Measured {
  kind: 'fleet' | 'baseline';
  homes: number;
  connected: number;
  connectS: number;
  windowS: number;
  /** Median of the 1-s CPU samples, % of one core. */
  cpuPct: number;
  rssMiB: number;
  rssPeakMiB: number;
  outPerS: number;
  cpuUsPerMessage: number;
  lateP50Ms: number;
  lateP99Ms: number;
  lateMaxMs: number;
  brokerCpuPct: number;
  error?: string;
}

function fdLimit(): number {
  const m = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(ctx: BenchContext, kind: Measured['kind'], homes: number, url: string, brokerPid: number, windowS: number): Promise<Measured> {
  const args =
    kind === 'fleet'
      ? ['--import', 'tsx', 'src/cli/main.ts', 'fleet', '--homes', String(homes), '--broker', url, '--report-period', `${REPORT_PERIOD_MS}ms`, '--output', 'json', '--interval', '1s', '--connect-rate', String(CONNECT_RATE), '--log-level', 'error']
      : ['--import', 'tsx', 'bench/fleet/baseline.ts', '--url', url, '--homes', String(homes), '--period-ms', String(REPORT_PERIOD_MS), '--interval-ms', '1000', '--connect-rate', String(CONNECT_RATE)];
  const child = new JsonLinesChild(process.execPath, args, ctx.root);
  const empty: Measured = { kind, homes, connected: 0, connectS: NaN, windowS, cpuPct: NaN, rssMiB: NaN, rssPeakMiB: NaN, outPerS: NaN, cpuUsPerMessage: NaN, lateP50Ms: NaN, lateP99Ms: NaN, lateMaxMs: NaN, brokerCpuPct: NaN };
  try {
    const t0 = performance.now();
    const all = await child.waitFor((l) => l.stats.connected >= homes, 60_000 + (homes / CONNECT_RATE) * 3000);
    if (!all) return { ...empty, connected: child.latest?.stats.connected ?? 0, error: `not every home connected (stderr: ${child.stderr.slice(-500)})` };
    const connectS = (performance.now() - t0) / 1000;
    // One report period for the last homes to boot, then a little more for the first batch to settle.
    await sleep(REPORT_PERIOD_MS + 2000);
    const first = await child.waitFor(() => true, 5000);
    const b0 = sampleProc(brokerPid);
    const samples: ProcSample[] = [sampleProc(child.pid)];
    const startLine = child.latest!;
    for (let s = 0; s < windowS; s++) {
      await sleep(1000);
      samples.push(sampleProc(child.pid));
    }
    const endLine = child.latest!;
    const b1 = sampleProc(brokerPid);
    if (!first || endLine === startLine) return { ...empty, connected: endLine.stats.connected, error: 'no stats during the window' };
    return { ...summarise(kind, homes, startLine, endLine, samples, windowS), connectS: round(connectS, 1), brokerCpuPct: round(cpuShare(b0, b1) * 100, 1) };
  } finally {
    await child.stop();
  }
}

function summarise(kind: Measured['kind'], homes: number, a: StatsLine, b: StatsLine, samples: ProcSample[], windowS: number): Omit<Measured, 'connectS' | 'brokerCpuPct'> {
  const seconds = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
  const sa: FleetStats = a.stats;
  const sb: FleetStats = b.stats;
  const out = (sb.messagesOut - sa.messagesOut) / seconds;
  const cpuPerSecond = samples.slice(1).map((s, i) => cpuShare(samples[i]!, s));
  const cpuWindow = samples.at(-1)!.cpuS - samples[0]!.cpuS;
  const wallWindow = (samples.at(-1)!.at - samples[0]!.at) / 1000;
  const late = Histogram.between(sa.lateness, sb.lateness);
  return {
    kind,
    homes,
    connected: sb.connected,
    windowS,
    cpuPct: round(median(cpuPerSecond) * 100, 1),
    rssMiB: round(samples.at(-1)!.rssBytes / 2 ** 20, 0),
    rssPeakMiB: round(Math.max(...samples.map((s) => s.rssBytes)) / 2 ** 20, 0),
    outPerS: round(out, 0),
    cpuUsPerMessage: round((cpuWindow / (out * wallWindow)) * 1e6, 1),
    lateP50Ms: round(late.percentile(50), 2),
    lateP99Ms: round(late.percentile(99), 2),
    lateMaxMs: round(late.percentile(100), 1),
  };
}

export async function runFleetScale(ctx: BenchContext): Promise<BenchOutcome> {
  const limit = fdLimit();
  const windowS = ctx.quick ? 5 : 20;
  const steps = (ctx.quick ? QUICK_STEPS : STEPS).map((n) => ({ requested: n, homes: Math.min(n, limit - FD_RESERVE) }));
  const results: Array<{ requested: number; fleet: Measured; baseline: Measured; ratio: number }> = [];
  for (const step of steps) {
    const note = step.homes < step.requested ? ` (asked ${step.requested}; the open-file limit is ${limit})` : '';
    ctx.log(`fleet-scale: ${step.homes} homes${note}`);
    const broker = await startBenchMosquitto();
    try {
      const fleet = await measure(ctx, 'fleet', step.homes, broker.url, broker.pid, windowS);
      ctx.log(`  fleet    ${JSON.stringify(fleet)}`);
      const baseline = await measure(ctx, 'baseline', step.homes, broker.url, broker.pid, windowS);
      ctx.log(`  baseline ${JSON.stringify(baseline)}`);
      results.push({ requested: step.requested, fleet, baseline, ratio: round(fleet.cpuUsPerMessage / baseline.cpuUsPerMessage, 2) });
    } finally {
      await broker.stop();
    }
  }
  const onTime = results.filter((r) => !r.fleet.error && r.fleet.connected === r.fleet.homes && r.fleet.lateP99Ms < LATE_P99_TARGET_MS);
  const largest = onTime.length ? Math.max(...onTime.map((r) => r.fleet.homes)) : 0;
  const at10k = results.find((r) => r.fleet.homes === 10_000);
  const rows: BenchRow[] = results.flatMap((r): BenchRow[] => {
    const f = r.fleet;
    const b = r.baseline;
    if (f.error) return [{ metric: `${f.homes} homes`, value: `failed: ${f.error.slice(0, 80)}` }];
    return [
      { metric: `${f.homes} homes: fleet CPU / RSS`, value: `${f.cpuPct} % / ${f.rssMiB} MiB`, ...(f.homes === 10_000 ? { target: 'RSS ≤ 1024 MiB', met: f.rssPeakMiB * 2 ** 20 <= RSS_TARGET_BYTES } : {}) },
      { metric: `${f.homes} homes: messages out, CPU per message`, value: `${f.outPerS}/s, ${f.cpuUsPerMessage} µs (baseline ${b.cpuUsPerMessage} µs)` },
      { metric: `${f.homes} homes: report lateness p50 / p99`, value: `${f.lateP50Ms} / ${f.lateP99Ms} ms`, target: `p99 < ${LATE_P99_TARGET_MS} ms`, met: f.lateP99Ms < LATE_P99_TARGET_MS },
      { metric: `${f.homes} homes: CPU per message fleet ÷ baseline`, value: `${r.ratio}×`, target: '≤ 2×', met: r.ratio <= 2 },
    ];
  });
  rows.push({ metric: 'largest N on time (lateness p99 < 100 ms)', value: largest, ...(ctx.quick ? {} : { target: '≥ 10000', met: largest >= 10_000 }) });
  if (at10k) rows.push({ metric: '10000 homes in one process', value: `RSS peak ${at10k.fleet.rssPeakMiB} MiB, p99 ${at10k.fleet.lateP99Ms} ms`, target: '≤ 1024 MiB, on time', met: at10k.fleet.rssPeakMiB <= 1024 && at10k.fleet.lateP99Ms < LATE_P99_TARGET_MS });
  return {
    status: results.some((r) => r.fleet.error) ? 'failed' : 'ok',
    rows,
    data: { connectRate: CONNECT_RATE, reportPeriodMs: REPORT_PERIOD_MS, windowS, openFileLimit: limit, largestOnTime: largest, steps: results },
  };
}

export const fleetScale: Benchmark = {
  name: 'fleet-scale',
  describe: 'fleet at a 1 s report period vs. a plain mqtt.js publisher, against mosquitto',
  run: runFleetScale,
};
