import { sensorPayload } from '../src/bus/payloads.js';
import { ReportSequence } from '../src/bus/report-sequence.js';
import { Verifier, type VerifyReport } from '../src/fleet/verify/verifier.js';
import { wallTimeMs } from '../src/fleet/verify/wall-time.js';
import { JsonLinesChild, type StatsLine } from './support/json-lines.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, round } from './support/numbers.js';
import { cpuPerInterval, sampleEverySecond, type ProcSample } from './support/proc.js';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/**
 * Verify's own cost: a fleet of 10,000 homes at a 1 s report period (two sensor reports per home per
 * second) against a private mosquitto, and `smarthome-bridge verify` in a process of its own counting
 * every report. Both processes' CPU is sampled over the same window; the target is verify ≤ 20 % of the
 * fleet's. Verify must also see every report (nothing lost at QoS 0 on loopback) or its figure is
 * meaningless.
 */
const HOMES = 10_000;
const QUICK_HOMES = 500;
const CONNECT_RATE = 2000;
const TARGET_SHARE = 0.2;
const NODE_FLAGS = ['--max-semi-space-size=32', '--import', 'tsx'];
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

async function runVerifyCost(ctx: BenchContext): Promise<BenchOutcome> {
  const coreUs = round(coreUsPerReport(ctx.quick ? QUICK_HOMES : HOMES, 200_000), 2);
  ctx.log(`verify-cost: verifier core ${coreUs} µs per report (in-process, no MQTT)`);
  const homes = ctx.quick ? QUICK_HOMES : HOMES;
  const windowS = ctx.quick ? 5 : 20;
  const broker = await startBenchMosquitto();
  const fleet = new JsonLinesChild(
    process.execPath,
    [
      ...NODE_FLAGS,
      'src/cli/main.ts',
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
  let verify: JsonLinesChild | undefined;
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
    // Joins a running fleet: each home's first report sets its baseline.
    verify = new JsonLinesChild(
      process.execPath,
      [
        ...NODE_FLAGS,
        'src/cli/main.ts',
        'verify',
        '--broker',
        broker.url,
        '--qos',
        '0',
        '--prefix',
        'home',
        '--output',
        'json',
        '--interval',
        '1s',
      ],
      ctx.root,
    );
    const v = verify;
    const lineOf = (): VerifyLine | undefined => v.latest as unknown as VerifyLine | undefined;
    if (!(await v.waitFor((l) => (l as unknown as VerifyLine).homes >= homes, STARTUP_MS))) {
      return {
        status: 'failed',
        reason: `verify saw ${lineOf()?.homes ?? 0} of ${homes} homes (stderr: ${v.stderr.slice(-300)})`,
        rows: [],
      };
    }
    await sleep(2000);
    const startFleet: StatsLine = fleet.latest!;
    const startVerify = lineOf()!;
    const [f, s] = (await sampleEverySecond([fleet.pid, v.pid], windowS)) as [ProcSample[], ProcSample[]];
    const endFleet = fleet.latest!;
    const endVerify = lineOf()!;
    const fleetCpu = median(cpuPerInterval(f));
    const verifyCpu = median(cpuPerInterval(s));
    const share = verifyCpu / fleetCpu;
    const fleetSeconds = (Date.parse(endFleet.time) - Date.parse(startFleet.time)) / 1000;
    const reportsPerS = (endFleet.stats.reports - startFleet.stats.reports) / fleetSeconds;
    const receivedPerS = (endVerify.received - startVerify.received) / (endVerify.elapsedS - startVerify.elapsedS);
    const data = {
      coreUsPerReport: coreUs,
      homes,
      windowS,
      fleetCpuPct: round(fleetCpu * 100, 1),
      verifyCpuPct: round(verifyCpu * 100, 1),
      share: round(share, 3),
      reportsPerS: round(reportsPerS, 0),
      verifyReceivedPerS: round(receivedPerS, 0),
      verifyCpuUsPerReport: round((verifyCpu / receivedPerS) * 1e6, 1),
      verifyRssMiB: round(s.at(-1)!.rssBytes / 2 ** 20, 0),
      verify: {
        expected: endVerify.expected,
        received: endVerify.received,
        lost: endVerify.lost,
        duplicates: endVerify.duplicates,
        reordered: endVerify.reordered,
        latencyMs: endVerify.latencyMs,
      },
    };
    ctx.log(`verify-cost: ${JSON.stringify(data)}`);
    return {
      status: 'ok',
      rows: [
        { metric: `${homes} homes: fleet CPU / verify CPU`, value: `${data.fleetCpuPct} % / ${data.verifyCpuPct} %` },
        {
          metric: `${homes} homes: verify CPU ÷ fleet CPU`,
          value: `${round(share * 100, 1)} %`,
          target: `≤ ${TARGET_SHARE * 100} %`,
          met: share <= TARGET_SHARE,
        },
        {
          metric: `${homes} homes: verify per report, RSS`,
          value: `${data.verifyCpuUsPerReport} µs at ${data.verifyReceivedPerS}/s, ${data.verifyRssMiB} MiB`,
        },
        { metric: 'verifier core per report (no MQTT)', value: `${coreUs} µs` },
        {
          metric: `${homes} homes: verify lost / dup / reordered`,
          value: `${endVerify.lost} / ${endVerify.duplicates} / ${endVerify.reordered} of ${endVerify.expected}`,
          target: '0 lost',
          met: endVerify.lost === 0,
        },
        {
          metric: `${homes} homes: end-to-end p50 / p99 / p99.9`,
          value: `${endVerify.latencyMs.p50} / ${endVerify.latencyMs.p99} / ${endVerify.latencyMs.p999} ms`,
        },
      ],
      data,
    };
  } finally {
    await verify?.stop();
    await fleet.stop();
    await broker.stop();
  }
}

export const verifyCost: Benchmark = {
  name: 'verify-cost',
  describe: "verify's own CPU beside a 10,000-home fleet's (target ≤ 20 %)",
  run: runVerifyCost,
};
