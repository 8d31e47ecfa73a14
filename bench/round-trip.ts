import mqtt from 'mqtt';
import { loadDevicesConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import type { LinkSpec } from '../src/links/create.js';
import { startRuntime, type Runtime } from '../src/runtime.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, percentile, round } from './support/numbers.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * Command round trip: a client publishes a JSON command on webos/smarthome/info and waits for the
 * acknowledgement with its id on webos/report/smarthome/info; one command at a time, through the broker both
 * ways. The emulated link with the embedded broker (all in this process) and with mosquitto (another
 * process); the firmware link (our sketch in avr8js, real-time paced, 115200 baud) with the embedded
 * broker. Median over runs of each run's p50 and p99.
 */
const RUNS = 3;
const WARMUP = 100;
const TARGET_P99_MS = 5;

type Variant = { broker: 'embedded' | 'mosquitto'; link: LinkSpec };

interface RunResult {
  p50: number;
  p99: number;
  max: number;
  commands: number;
}

async function roundTrips(runtime: Runtime, ackTopic: string, count: number, tag: string): Promise<number[]> {
  const sender = await mqtt.connectAsync(runtime.brokerUrl, {
    clientId: `bench-rt-${process.pid}-${tag}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  (sender.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  const waiting = new Map<string, () => void>();
  sender.on('message', (_topic, payload) => {
    const text = payload.toString();
    if (!text.includes('"command":"ack"')) return;
    const id = (JSON.parse(text) as { id?: string }).id;
    if (id !== undefined) waiting.get(id)?.();
  });
  await sender.subscribeAsync(ackTopic, { qos: 0 });
  const samples: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const id = `${tag}-${i}`;
      const payload = JSON.stringify({
        Producer: 'bench',
        command: 'control',
        id,
        aircon: { enabled: i % 2 === 0, power: 3 },
      });
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no acknowledgement for ${id} within 5 s`)), 5000);
        waiting.set(id, () => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve();
        });
        sender.publish('webos/smarthome/info', payload, { qos: 0 });
      });
      samples.push(performance.now() - t0);
    }
  } finally {
    await sender.endAsync();
  }
  return samples;
}

async function measure(
  ctx: BenchContext,
  { broker, link }: Variant,
  commands: number,
  runCount = RUNS,
): Promise<RunResult[]> {
  const mosquitto = broker === 'mosquitto' ? await startBenchMosquitto() : undefined;
  const tag = `${link.kind}-${broker}`;
  const config = await loadDevicesConfig();
  const ackTopic = config.bus.routes.ack.topic;
  const runtime = await startRuntime({
    config,
    link,
    logger: silentLogger(),
    brokerUrl: mosquitto?.url,
    embeddedBroker: { host: '127.0.0.1', port: 0 },
    clientId: `bench-bridge-${process.pid}`,
  });
  try {
    await roundTrips(runtime, ackTopic, WARMUP, `${tag}-warmup`);
    const runs: RunResult[] = [];
    for (let r = 0; r < (ctx.quick ? 1 : runCount); r++) {
      const s = await roundTrips(runtime, ackTopic, commands, `${tag}-${r}`);
      runs.push({
        p50: round(percentile(s, 50), 3),
        p99: round(percentile(s, 99), 3),
        max: round(Math.max(...s), 2),
        commands: s.length,
      });
      ctx.log(`round-trip ${tag} run ${r + 1}: ${JSON.stringify(runs.at(-1))}`);
    }
    return runs;
  } finally {
    await runtime.stop();
    await mosquitto?.stop();
  }
}

const m = (runs: RunResult[], k: 'p50' | 'p99'): number => round(median(runs.map((r) => r[k])), 3);

export async function runRoundTrip(ctx: BenchContext): Promise<BenchOutcome> {
  const commands = ctx.quick ? 200 : 1000;
  const embedded = await measure(ctx, { broker: 'embedded', link: { kind: 'emulated' } }, commands);
  const mosquitto = await measure(ctx, { broker: 'mosquitto', link: { kind: 'emulated' } }, commands);
  const rows: BenchRow[] = [
    {
      metric: 'emulated link, embedded broker: p50 / p99',
      value: `${m(embedded, 'p50')} / ${m(embedded, 'p99')} ms`,
      target: `p99 < ${TARGET_P99_MS} ms`,
      met: m(embedded, 'p99') < TARGET_P99_MS,
    },
    { metric: 'emulated link, mosquitto: p50 / p99', value: `${m(mosquitto, 'p50')} / ${m(mosquitto, 'p99')} ms` },
  ];
  return {
    status: 'ok',
    rows,
    data: {
      commandsPerRun: commands,
      runs: ctx.quick ? 1 : RUNS,
      warmup: WARMUP,
      embedded: { runs: embedded, p50: m(embedded, 'p50'), p99: m(embedded, 'p99') },
      mosquitto: { runs: mosquitto, p50: m(mosquitto, 'p50'), p99: m(mosquitto, 'p99') },
    },
  };
}

export async function runFirmwareRoundTrip(ctx: BenchContext): Promise<BenchOutcome> {
  // Each command crosses the emulated UART both ways at 115200 baud: fewer commands per run.
  const commands = ctx.quick ? 100 : 500;
  const runs = await measure(ctx, { broker: 'embedded', link: { kind: 'firmware' } }, commands);
  return {
    status: 'ok',
    rows: [
      {
        metric: 'firmware link (avr8js, real time), embedded broker: p50 / p99',
        value: `${m(runs, 'p50')} / ${m(runs, 'p99')} ms`,
      },
    ],
    data: {
      commandsPerRun: commands,
      runs: ctx.quick ? 1 : RUNS,
      warmup: WARMUP,
      firmware: { runs, p50: m(runs, 'p50'), p99: m(runs, 'p99') },
    },
  };
}

export const firmwareRoundTrip: Benchmark = {
  name: 'firmware-round-trip',
  describe: 'bus command → acknowledgement through the firmware link (our sketch in avr8js)',
  run: runFirmwareRoundTrip,
};

export const roundTrip: Benchmark = {
  name: 'round-trip',
  describe: 'bus command → acknowledgement on the bus, emulated link',
  run: runRoundTrip,
};
