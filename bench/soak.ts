/**
 * Soak (a benchmark, not a test): 1,000 virtual homes of `smarthome-bridge fleet` (emulated link, bridge
 * and bus client each, one MQTT connection per home) report every second to a private mosquitto for a
 * while; RSS and heap are sampled every minute after a forced GC. After the warm-up minute, RSS must not
 * grow: the verdict compares the RSS slope over the remaining minutes with a small tolerance.
 *
 *   npm run soak                       10 minutes
 *   npm run soak -- --minutes 3        a shorter run
 *   npm run soak -- --homes 200 --sample-seconds 10 --minutes 1     a smoke run
 *
 * Writes bench/results/soak.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { shippedDevicesConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { fleetConfig } from '../src/fleet/addressing.js';
import { Fleet } from '../src/fleet/fleet.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { round } from './support/numbers.js';
import { loadAverage } from './support/proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    homes: { type: 'string', default: '1000' },
    'period-ms': { type: 'string', default: '1000' },
    'sample-seconds': { type: 'string', default: '60' },
    'warmup-samples': { type: 'string', default: '1' },
  },
});
const minutes = Number(values.minutes);
const homes = Number(values.homes);
const periodMs = Number(values['period-ms']);
const sampleS = Number(values['sample-seconds']);
const warmup = Number(values['warmup-samples']);
/** RSS may drift this much per sample after warm-up and still count as flat (allocator noise). */
const FLAT_MIB_PER_SAMPLE = 1;

interface Sample {
  atS: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  connected: number;
  reports: number;
  messagesOut: number;
  disconnects: number;
  errors: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (b: number): number => round(b / 1024 / 1024, 1);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (!gc) console.warn('soak: run with --expose-gc (npm run soak does) for heap figures after a full GC');
  const broker = await startBenchMosquitto();
  const fleet = new Fleet({
    homes,
    workers: 0,
    prefix: 'soak',
    config: fleetConfig(shippedDevicesConfig(), { reportPeriodMs: periodMs }),
    url: broker.url,
    keepaliveS: 60,
    queueSize: 100,
    connectRate: 500,
    logger: silentLogger(),
    logLevel: 'silent',
  });
  const loadBefore = loadAverage();
  const t0 = performance.now();
  try {
    await fleet.start();
    while ((await fleet.stats()).connected < homes) {
      if (performance.now() - t0 > 120_000) throw new Error('soak: not every home connected within 2 minutes');
      await sleep(200);
    }
    const connectS = round((performance.now() - t0) / 1000, 1);
    console.log(
      `soak: ${homes} homes connected in ${connectS} s to ${broker.url}; reporting every ${periodMs} ms for ` +
        `${minutes} min, sampling every ${sampleS} s`,
    );
    console.log('   t(s)   RSS MiB  heap used  heap total  external  connected  reports/interval  disconnects  errors');
    const samples: Sample[] = [];
    const start = performance.now();
    let lastReports = (await fleet.stats()).reports;
    for (let i = 1; i * sampleS <= minutes * 60; i++) {
      await sleep(start + i * sampleS * 1000 - performance.now());
      gc?.();
      const m = process.memoryUsage();
      const s = await fleet.stats();
      const sample: Sample = {
        atS: i * sampleS,
        rssMiB: mib(m.rss),
        heapUsedMiB: mib(m.heapUsed),
        heapTotalMiB: mib(m.heapTotal),
        externalMiB: mib(m.external),
        connected: s.connected,
        reports: s.reports,
        messagesOut: s.messagesOut,
        disconnects: s.disconnects,
        errors: s.errors,
      };
      samples.push(sample);
      console.log(
        `${String(sample.atS).padStart(7)} ${String(sample.rssMiB).padStart(9)} ` +
          `${String(sample.heapUsedMiB).padStart(10)} ${String(sample.heapTotalMiB).padStart(11)} ` +
          `${String(sample.externalMiB).padStart(9)} ${String(s.connected).padStart(10)} ` +
          `${String(s.reports - lastReports).padStart(17)} ${String(s.disconnects).padStart(12)} ` +
          `${String(s.errors).padStart(7)}`,
      );
      lastReports = s.reports;
    }
    const verdict = judge(samples);
    console.log(verdict.text);
    const result = {
      name: 'soak',
      homes,
      periodMs,
      minutes,
      sampleS,
      connectS,
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version },
      loadBefore,
      loadAfter: loadAverage(),
      samples,
      verdict,
    };
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.exitCode = verdict.flat ? 0 : 1;
  } finally {
    await fleet.stop();
    await broker.stop();
  }
}

/** Least-squares slope of RSS per sample after the warm-up samples, and the spread. */
function judge(samples: Sample[]): { flat: boolean; slopeMiBPerSample: number; spreadMiB: number; text: string } {
  const after = samples.slice(warmup);
  if (after.length < 2)
    return {
      flat: true,
      slopeMiBPerSample: 0,
      spreadMiB: 0,
      text: 'soak: too few samples after warm-up to judge RSS growth',
    };
  const n = after.length;
  const xs = after.map((_, i) => i);
  const ys = after.map((s) => s.rssMiB);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const spread = Math.max(...ys) - Math.min(...ys);
  const flat = slope <= FLAT_MIB_PER_SAMPLE;
  const text =
    `soak: RSS after warm-up ${Math.min(...ys)}–${Math.max(...ys)} MiB (spread ${round(spread, 1)} MiB), slope ` +
    `${round(slope, 2)} MiB per sample: ${flat ? 'flat' : 'GROWING'}`;
  return { flat, slopeMiBPerSample: round(slope, 3), spreadMiB: round(spread, 1), text };
}

await main();
