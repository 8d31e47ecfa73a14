import { Histogram } from '../src/fleet/histogram.js';
import type { FleetStats } from '../src/fleet/stats.js';
import { JsonLinesChild } from './support/json-lines.js';
import { LAUNCHER, launcherRuns } from './support/launcher.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuShare, loadAverage, sampleProc, type ProcSample } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * Gateway mode (`fleet --connections K`): N homes in one process over 100 shared connections at one
 * message per home per 10 s (`--report-period 20s`: climate and rain each once per period), against a
 * private mosquitto. Per step: time until every home is up, then over a steady window RSS, heap per home
 * (the fleet's own V8 figure is not exposed, so RSS over homes), CPU and report lateness p50/p99.
 * Started as a user starts it: bin/smarthome-bridge.js, no Node flags of ours (`npm run build` first,
 * or the launcher runs the sources through tsx, and the figures are tsx's).
 */
/**
 * Homes and worker threads per step. 100,000 homes run twice: all in the main thread, and over two
 * worker threads, whose heaps of half the size each mark in half the time (a full mark-compact of one
 * ~550 MB heap delays the main thread's timers by a few hundred ms on two shared cores).
 */
const STEPS: readonly { homes: number; workers: number }[] = [
  { homes: 10_000, workers: 0 },
  { homes: 25_000, workers: 0 },
  { homes: 50_000, workers: 0 },
  { homes: 100_000, workers: 0 },
  { homes: 100_000, workers: 2 },
];
const QUICK_STEPS = [{ homes: 2000, workers: 0 }];
const CONNECTIONS = 100;
const REPORT_PERIOD = '20s';
const STARTUP_MS = 90_000;
const WINDOW_MS = 30_000;
const RSS_TARGET_BYTES = 1024 ** 3;
const LATE_P99_TARGET_MS = 100;
/** No step starts after this; the whole benchmark takes ~6 minutes. */
const BUDGET_S = 420;

interface Step {
  homes: number;
  workers: number;
  connections: number;
  connected: number;
  startS: number;
  rssMiB: number;
  rssPeakMiB: number;
  bytesPerHome: number;
  cpuPct: number;
  outPerS: number;
  lateP50Ms: number;
  lateP99Ms: number;
  loadAverage: number[];
  error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


async function step(
  ctx: BenchContext,
  url: string,
  { homes, workers }: { homes: number; workers: number },
  windowMs: number,
): Promise<Step> {
  const connections = Math.min(CONNECTIONS, homes);
  const args = [
    LAUNCHER,
    'fleet',
    '--homes',
    String(homes),
    '--connections',
    String(connections),
    '--workers',
    String(workers),
    '--report-period',
    REPORT_PERIOD,
    '--broker',
    url,
    '--output',
    'json',
    '--interval',
    '2s',
    '--log-level',
    'error',
  ];
  ctx.log(`gateway (${launcherRuns()}): node ${args.join(' ')}`);
  const child = new JsonLinesChild(process.execPath, args, ctx.root);
  const t0 = performance.now();
  let peak = 0;
  const peakTimer = setInterval(() => {
    try {
      peak = Math.max(peak, sampleProc(child.pid).rssBytes);
    } catch {
      /* exited */
    }
  }, 500);
  const base: Omit<
    Step,
    'startS' | 'rssMiB' | 'rssPeakMiB' | 'bytesPerHome' | 'cpuPct' | 'outPerS' | 'lateP50Ms' | 'lateP99Ms'
  > = {
    homes,
    workers,
    connections,
    connected: 0,
    loadAverage: loadAverage(),
  };
  try {
    const up = await child.waitFor((l) => l.stats.connected === homes, STARTUP_MS);
    const startS = (performance.now() - t0) / 1000;
    if (!up) {
      const rss = sampleProc(child.pid).rssBytes;
      return {
        ...base,
        connected: child.latest?.stats.connected ?? 0,
        startS,
        rssMiB: round(rss / 2 ** 20, 0),
        rssPeakMiB: round(peak / 2 ** 20, 0),
        bytesPerHome: Math.round(rss / homes),
        cpuPct: 0,
        outPerS: 0,
        lateP50Ms: 0,
        lateP99Ms: 0,
        error: `not every home up within ${STARTUP_MS / 1000} s`,
      };
    }
    // Let the start-up burst settle (one report period), then measure a window.
    await sleep(Math.min(windowMs, 20_000));
    const from = child.latest!.stats;
    const a: ProcSample = sampleProc(child.pid);
    const cpu: number[] = [];
    let prev = a;
    const end = performance.now() + windowMs;
    while (performance.now() < end) {
      await sleep(1000);
      const s = sampleProc(child.pid);
      cpu.push(cpuShare(prev, s));
      prev = s;
    }
    const to: FleetStats = child.latest!.stats;
    const late = Histogram.between(from.lateness, to.lateness);
    const seconds = (prev.at - a.at) / 1000;
    return {
      ...base,
      connected: to.connected,
      startS: round(startS, 1),
      rssMiB: round(prev.rssBytes / 2 ** 20, 0),
      rssPeakMiB: round(peak / 2 ** 20, 0),
      bytesPerHome: Math.round(prev.rssBytes / homes),
      cpuPct: round(median(cpu) * 100, 0),
      outPerS: round((to.messagesOut - from.messagesOut) / seconds, 0),
      lateP50Ms: round(late.percentile(50)),
      lateP99Ms: round(late.percentile(99)),
    };
  } finally {
    clearInterval(peakTimer);
    await child.stop();
  }
}

export const fleetGateway: Benchmark = {
  name: 'fleet-gateway',
  describe: 'gateway mode: N homes over 100 connections, one message per home per 10 s: RSS, CPU, lateness',
  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const steps: Step[] = [];
    const began = performance.now();
    for (const at of ctx.quick ? QUICK_STEPS : STEPS) {
      if ((performance.now() - began) / 1000 > BUDGET_S) break;
      // A fresh mosquitto per step: no sessions or backlog carried over.
      const broker = await startBenchMosquitto();
      try {
        const s = await step(ctx, broker.url, at, ctx.quick ? 5000 : WINDOW_MS);
        ctx.log(`gateway ${at.homes} (${at.workers} workers): ${JSON.stringify(s)}`);
        steps.push(s);
        if (s.error) break;
      } finally {
        await broker.stop();
      }
    }
    const rows: BenchRow[] = steps.flatMap((s) => {
      const at = `${s.homes} homes${s.workers > 0 ? ` (--workers ${s.workers})` : ''}`;
      return [
        { metric: `${at} / ${s.connections} connections: start`, value: s.startS, unit: 's' },
        {
          metric: `${at}: RSS (peak)`,
          value: `${s.rssMiB} (${s.rssPeakMiB})`,
          unit: 'MiB',
          ...(s.homes === 100_000 ? { target: '≤ 1024', met: s.rssMiB <= RSS_TARGET_BYTES / 2 ** 20 } : {}),
        },
        { metric: `${at}: RSS per home`, value: s.bytesPerHome, unit: 'B' },
        { metric: `${at}: CPU`, value: s.cpuPct, unit: '% of a core' },
        {
          metric: `${at}: lateness p50 / p99`,
          value: `${s.lateP50Ms} / ${s.lateP99Ms}`,
          unit: 'ms',
          target: `p99 < ${LATE_P99_TARGET_MS}`,
          met: !s.error && s.lateP99Ms < LATE_P99_TARGET_MS,
        },
        ...(s.error ? [{ metric: at, value: s.error }] : []),
      ];
    });
    const reached = steps.some((s) => s.homes === 100_000 && !s.error);
    return {
      status: 'ok',
      ...(reached || ctx.quick ? {} : { reason: '100,000 homes not reached' }),
      rows,
      data: { connections: CONNECTIONS, reportPeriod: REPORT_PERIOD, runs: launcherRuns(), steps },
    };
  },
};
