import { Histogram } from '../src/fleet/histogram.js';
import { JsonLinesChild } from './support/json-lines.js';
import { LAUNCHER, launcherRuns } from './support/launcher.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuPerInterval, sampleOneEverySecond } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/**
 * Fleet memory: `smarthome-bridge fleet --homes 10000 --report-period 2s` (climate and rain each report
 * once a period: one message per home per second) started exactly as a user starts it, through
 * bin/smarthome-bridge.js with no Node flags of ours, against a private mosquitto. After every home has
 * connected and a settling pause, a window of one-second samples: RSS median and peak, CPU per message
 * (median second), lateness p99. Memory figures are steady on a shared machine; CPU figures are not.
 */
const HOMES = 10_000;
const QUICK_HOMES = 1000;
const RSS_TARGET_MIB = 300;
const CONNECT_TIMEOUT_MS = 120_000;
const SETTLE_MS = 5000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runFleetMemory(ctx: BenchContext): Promise<BenchOutcome> {
  const homes = ctx.quick ? QUICK_HOMES : HOMES;
  const windowS = ctx.quick ? 5 : 30;
  const runs = launcherRuns();
  const broker = await startBenchMosquitto();
  const args = [
    LAUNCHER,
    'fleet',
    '--homes',
    String(homes),
    '--broker',
    broker.url,
    '--report-period',
    '2s',
    '--output',
    'json',
    '--interval',
    '1s',
    '--log-level',
    'error',
  ];
  const child = new JsonLinesChild(process.execPath, args, ctx.root);
  try {
    const t0 = performance.now();
    const all = await child.waitFor((l) => l.stats.connected >= homes, CONNECT_TIMEOUT_MS);
    if (!all)
      return {
        status: 'failed',
        reason:
          `${child.latest?.stats.connected ?? 0} of ${homes} homes connected ` +
          `(stderr: ${child.stderr.slice(-300)})`,
        rows: [],
      };
    const connectS = (performance.now() - t0) / 1000;
    await sleep(SETTLE_MS);
    const a = child.latest!;
    const samples = await sampleOneEverySecond(child.pid, windowS);
    const b = child.latest!;
    const seconds = (Date.parse(b.time) - Date.parse(a.time)) / 1000;
    const outPerS = (b.stats.messagesOut - a.stats.messagesOut) / seconds;
    const cpuPerSecond = cpuPerInterval(samples);
    const rss = samples.map((s) => s.rssBytes / 2 ** 20);
    const late = Histogram.between(a.stats.lateness, b.stats.lateness);
    const data = {
      homes,
      runs,
      command: `smarthome-bridge ${args.slice(1).join(' ').replace(broker.url, '<private mosquitto>')}`,
      connectS: round(connectS, 1),
      windowS,
      rssMedianMiB: round(median(rss), 0),
      rssPeakMiB: round(Math.max(...rss), 0),
      rssPerHomeKiB: round((median(rss) * 1024) / homes, 1),
      outPerS: round(outPerS, 0),
      cpuPct: round(median(cpuPerSecond) * 100, 1),
      cpuUsPerMessage: round((median(cpuPerSecond) / outPerS) * 1e6, 1),
      lateP99Ms: round(late.percentile(99), 1),
    };
    return {
      status: 'ok',
      rows: [
        {
          metric: `RSS median, ${homes} homes at 1 msg/home/s (${runs})`,
          value: data.rssMedianMiB,
          unit: 'MiB',
          target: homes === HOMES ? `≤ ${RSS_TARGET_MIB} MiB` : undefined,
          met: homes === HOMES ? data.rssMedianMiB <= RSS_TARGET_MIB : undefined,
        },
        { metric: 'RSS peak', value: data.rssPeakMiB, unit: 'MiB' },
        { metric: 'CPU per message (noisy on a shared machine)', value: data.cpuUsPerMessage, unit: 'µs' },
        { metric: 'messages out', value: data.outPerS, unit: '/s' },
        { metric: 'lateness p99', value: data.lateP99Ms, unit: 'ms' },
        { metric: 'connect', value: data.connectS, unit: 's' },
      ],
      data,
    };
  } finally {
    await child.stop();
    await broker.stop();
  }
}

export const fleetMemory: Benchmark = {
  name: 'fleet-memory',
  describe: 'RSS of 10,000 homes at one message per home per second, started as a user starts the fleet',
  run: runFleetMemory,
};
