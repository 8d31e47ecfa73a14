import { sensorPayload } from '../src/bus/payloads.js';
import { ReportSequence } from '../src/bus/report-sequence.js';
import { Verifier, type VerifyReport } from '../src/fleet/verify/verifier.js';
import { wallTimeMs } from '../src/fleet/verify/wall-time.js';
import { JsonLinesChild, type StatsLine } from './support/json-lines.js';
import { LAUNCHER, launcherRuns } from './support/launcher.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuPerInterval, sampleEverySecond, type ProcSample } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * Verify's own cost: a fleet of 10,000 homes at a 1 s report period (two sensor reports per home per
 * second) against a private mosquitto, and `smarthome-bridge verify` in a process of its own counting
 * every report, both started as a user starts them (bin/smarthome-bridge.js, no Node flags). Both
 * processes' CPU is sampled over the same window; the target is verify ≤ 20 % of the fleet's. Verify
 * runs as it does by default (batched reads) and with `--read-batch 0` (every read as it comes), in
 * turns, against the same fleet. Verify must also see every report (nothing lost at QoS 0 on loopback)
 * or its figure is meaningless.
 */
const HOMES = 10_000;
const QUICK_HOMES = 500;
const CONNECT_RATE = 2000;
const TARGET_SHARE = 0.2;
const STARTUP_MS = 60_000;

type VerifyLine = VerifyReport & { type: 'verify' | 'final' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The verifier's core alone, in this process: µs of CPU per fleet-written sensor report fed to
 * Verifier.onMessage (tracking, latency), without MQTT. The rest of verify's cost is mqtt.js's.
 */
function coreUsPerReport(homes: number, reports: number): number {
  const sequences = Array.from({ length: homes }, () => new ReportSequence(wallTimeMs));
  const payloads = Array.from({ length: Math.min(reports, 200_000) }, (_, i) =>
    Buffer.from(
      JSON.stringify(
        sequences[i % homes]!.stamp(
          sensorPayload(`home-${i % homes}`, { sensor: 'climate', temperature: 21.5, humidity: 40, time: 0 }),
        ),
      ),
    ),
  );
  const v = new Verifier({ clock: { now: wallTimeMs }, baseline: 'first-seen' });
  const t0 = process.cpuUsage();
  for (let i = 0; i < payloads.length; i++) v.onMessage(payloads[i]!);
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / payloads.length;
}

/** What one verify window measured. */
interface Window {
  fleetCpu: number;
  verifyCpu: number;
  reportsPerS: number;
  receivedPerS: number;
  verifyRssMiB: number;
  end: VerifyLine;
}

/** verify as a user runs it, batched reads by default or `--read-batch 0` (every read as it comes). */
const VARIANTS = [
  { name: 'batched reads (default)', args: [] as string[] },
  { name: 'every read (--read-batch 0)', args: ['--read-batch', '0'] },
];

async function verifyWindow(
  ctx: BenchContext,
  fleet: JsonLinesChild,
  url: string,
  homes: number,
  windowS: number,
  args: string[],
): Promise<Window | string> {
  // Joins a running fleet: each home's first report sets its baseline.
  const verify = new JsonLinesChild(
    process.execPath,
    [
      LAUNCHER,
      'verify',
      '--broker',
      url,
      '--qos',
      '0',
      '--prefix',
      'home',
      '--output',
      'json',
      '--interval',
      '1s',
      ...args,
    ],
    ctx.root,
  );
  try {
    const lineOf = (): VerifyLine | undefined => verify.latest as unknown as VerifyLine | undefined;
    if (!(await verify.waitFor((l) => (l as unknown as VerifyLine).homes >= homes, STARTUP_MS)))
      return `verify saw ${lineOf()?.homes ?? 0} of ${homes} homes (stderr: ${verify.stderr.slice(-300)})`;
    await sleep(2000);
    const startFleet: StatsLine = fleet.latest!;
    const startVerify = lineOf()!;
    const [f, v] = (await sampleEverySecond([fleet.pid, verify.pid], windowS)) as [ProcSample[], ProcSample[]];
    const endFleet = fleet.latest!;
    const end = lineOf()!;
    const fleetSeconds = (Date.parse(endFleet.time) - Date.parse(startFleet.time)) / 1000;
    return {
      fleetCpu: median(cpuPerInterval(f)),
      verifyCpu: median(cpuPerInterval(v)),
      reportsPerS: (endFleet.stats.reports - startFleet.stats.reports) / fleetSeconds,
      receivedPerS: (end.received - startVerify.received) / (end.elapsedS - startVerify.elapsedS),
      verifyRssMiB: v.at(-1)!.rssBytes / 2 ** 20,
      end,
    };
  } finally {
    await verify.stop();
  }
}

async function runVerifyCost(ctx: BenchContext): Promise<BenchOutcome> {
  const coreUs = round(coreUsPerReport(ctx.quick ? QUICK_HOMES : HOMES, 200_000), 2);
  ctx.log(`verify-cost: verifier core ${coreUs} µs per report (in-process, no MQTT)`);
  const homes = ctx.quick ? QUICK_HOMES : HOMES;
  const windowS = ctx.quick ? 5 : 20;
  const rounds = ctx.quick ? 1 : 2;
  const runs = launcherRuns();
  const broker = await startBenchMosquitto();
  const fleet = new JsonLinesChild(
    process.execPath,
    [
      LAUNCHER,
      'fleet',
      '--homes',
      String(homes),
      '--broker',
      broker.url,
      '--report-period',
      '1s',
      '--output',
      'json',
      '--interval',
      '1s',
      '--connect-rate',
      String(CONNECT_RATE),
      '--log-level',
      'error',
    ],
    ctx.root,
  );
  try {
    const connected = await fleet.waitFor(
      (l) => l.stats.connected >= homes,
      STARTUP_MS + ((1000 * homes) / CONNECT_RATE) * 3,
    );
    if (!connected)
      return {
        status: 'failed',
        reason:
          `the fleet connected ${fleet.latest?.stats.connected ?? 0} of ${homes} homes (stderr: ` +
          `${fleet.stderr.slice(-300)})`,
        rows: [],
      };
    await sleep(2000); // every home has booted and reports on its schedule
    // The variants take turns, so a drift of the machine's load falls on both.
    const windows: Window[][] = VARIANTS.map(() => []);
    for (let r = 0; r < rounds; r++)
      for (const [i, variant] of VARIANTS.entries()) {
        const w = await verifyWindow(ctx, fleet, broker.url, homes, windowS, variant.args);
        if (typeof w === 'string') return { status: 'failed', reason: w, rows: [] };
        const pct = (x: number): string => `${round(x * 100, 1)} %`;
        ctx.log(`verify-cost: ${variant.name}: fleet ${pct(w.fleetCpu)}, verify ${pct(w.verifyCpu)}`);
        windows[i]!.push(w);
      }
    const summary = VARIANTS.map((variant, i) => {
      const ws = windows[i]!;
      const last = ws.at(-1)!;
      return {
        variant: variant.name,
        args: variant.args,
        fleetCpuPct: round(median(ws.map((w) => w.fleetCpu)) * 100, 1),
        verifyCpuPct: round(median(ws.map((w) => w.verifyCpu)) * 100, 1),
        share: round(median(ws.map((w) => w.verifyCpu / w.fleetCpu)), 3),
        shares: ws.map((w) => round(w.verifyCpu / w.fleetCpu, 3)),
        reportsPerS: round(median(ws.map((w) => w.reportsPerS)), 0),
        verifyReceivedPerS: round(median(ws.map((w) => w.receivedPerS)), 0),
        verifyCpuUsPerReport: round(median(ws.map((w) => (w.verifyCpu / w.receivedPerS) * 1e6)), 1),
        verifyRssMiB: round(median(ws.map((w) => w.verifyRssMiB)), 0),
        lost: ws.reduce((n, w) => n + w.end.lost, 0),
        duplicates: ws.reduce((n, w) => n + w.end.duplicates, 0),
        reordered: ws.reduce((n, w) => n + w.end.reordered, 0),
        expected: ws.reduce((n, w) => n + w.end.expected, 0),
        latencyMs: last.end.latencyMs,
      };
    });
    const data = { coreUsPerReport: coreUs, homes, windowS, rounds, runs, variants: summary };
    ctx.log(`verify-cost: ${JSON.stringify(data)}`);
    const [batched, every] = summary as [(typeof summary)[number], (typeof summary)[number]];
    const rows: BenchRow[] = [];
    for (const v of summary) {
      const tag = v === batched ? 'verify' : 'verify --read-batch 0';
      rows.push(
        { metric: `${homes} homes, ${tag}: fleet CPU / verify CPU`, value: `${v.fleetCpuPct} % / ${v.verifyCpuPct} %` },
        {
          metric: `${homes} homes, ${tag}: verify CPU ÷ fleet CPU (median of ${v.shares.join(', ')})`,
          value: `${round(v.share * 100, 1)} %`,
          ...(v === batched ? { target: `≤ ${TARGET_SHARE * 100} %`, met: v.share <= TARGET_SHARE } : {}),
        },
        {
          metric: `${homes} homes, ${tag}: verify per report, RSS`,
          value: `${v.verifyCpuUsPerReport} µs at ${v.verifyReceivedPerS}/s, ${v.verifyRssMiB} MiB`,
        },
        {
          metric: `${homes} homes, ${tag}: lost / dup / reordered`,
          value: `${v.lost} / ${v.duplicates} / ${v.reordered} of ${v.expected}`,
          target: '0 lost',
          met: v.lost === 0,
        },
        {
          metric: `${homes} homes, ${tag}: end-to-end p50 / p99 / p99.9 (last window)`,
          value: `${v.latencyMs.p50} / ${v.latencyMs.p99} / ${v.latencyMs.p999} ms`,
        },
      );
    }
    rows.push(
      { metric: 'batched ÷ every-read verify CPU', value: `${round(batched.verifyCpuPct / every.verifyCpuPct, 2)}×` },
      { metric: 'verifier core per report (no MQTT)', value: `${coreUs} µs` },
    );
    return { status: 'ok', rows, data };
  } finally {
    await fleet.stop();
    await broker.stop();
  }
}

export const verifyCost: Benchmark = {
  name: 'verify-cost',
  describe: "verify's own CPU beside a 10,000-home fleet's (target ≤ 20 %)",
  run: runVerifyCost,
};
