import { afterEach, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../../src/config/load.js';
import type { DevicesConfig } from '../../../src/config/schema.js';
import { silentLogger } from '../../../src/core/logger.js';
import { fleetConfig } from '../../../src/fleet/addressing.js';
import { Fleet } from '../../../src/fleet/fleet.js';
import { VerifySession } from '../../../src/fleet/verify/session.js';
import {
  AmqpReportSource,
  MqttReportSource,
  reportFilters,
  type ReportSource,
} from '../../../src/fleet/verify/sources.js';
import { commandTopic } from '../../../src/cli/verify.js';
import { wallTimeMs } from '../../../src/fleet/verify/wall-time.js';
import { requireService, startMosquitto, type MosquittoInstance } from '../../support/brokers.js';
import { startFaultProxy, type FaultAction, type FaultProxy } from '../../support/mqtt-fault-proxy.js';
import { sleep, until } from '../support.js';

const HOMES = 8;

function config(qos: 0 | 1 = 0): DevicesConfig {
  const base = fleetConfig(defaultDevicesConfig(), { climatePeriodMs: 200, rainPeriodMs: 300 });
  return { ...base, bus: { ...base.bus, routes: { ...base.bus.routes, sensor: { ...base.bus.routes.sensor, qos } } } };
}

function fleet(url: string, prefix: string, cfg: DevicesConfig): Fleet {
  return new Fleet({
    homes: HOMES,
    workers: 0,
    prefix,
    config: cfg,
    url,
    keepaliveS: 60,
    queueSize: 1000,
    connectRate: 200,
    logger: silentLogger(),
    logLevel: 'silent',
  });
}

function mqttSource(url: string, cfg: DevicesConfig, qos: 0 | 1 = 0): MqttReportSource {
  return new MqttReportSource({
    url,
    filters: reportFilters(cfg),
    qos,
    clientId: `verify-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
  });
}

/**
 * Runs a fleet for `ms` with a verifier subscribed before it starts; returns the final report and what the fleet
 * counted.
 */
async function run(o: {
  fleetUrl: string;
  source: ReportSource;
  cfg: DevicesConfig;
  prefix: string;
  ms: number;
  commandRate?: number;
  during?: () => Promise<void>;
}) {
  const session = new VerifySession({
    source: o.source,
    clock: { now: wallTimeMs },
    baseline: 'zero',
    commandRate: o.commandRate ?? 0,
    commandTopic,
    homePrefix: `${o.prefix}-`,
    quietMs: 1000,
  });
  await session.start();
  const f = fleet(o.fleetUrl, o.prefix, o.cfg);
  try {
    await f.start();
    await until(async () => (await f.stats()).connected === HOMES, 'every home to connect', 30_000);
    await sleep(o.ms);
    await o.during?.();
    session.stopCommands();
    await until(() => session.verifier.pendingCommands === 0, 'every command acknowledged', 10_000);
  } finally {
    await f.stop();
  }
  const stats = await f.stats();
  return { report: await session.finish(), stats };
}

describe('verify against a private mosquitto', () => {
  let broker: MosquittoInstance | undefined;
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    await broker?.stop();
    proxy = undefined;
    broker = undefined;
  });

  it('counts exactly the reports a small fleet sends, with latency and command round trips', async () => {
    broker = await startMosquitto();
    const cfg = config();
    const { report, stats } = await run({
      fleetUrl: broker.url,
      source: mqttSource(broker.url, cfg),
      cfg,
      prefix: 'exact',
      ms: 1500,
      commandRate: 20,
    });
    expect(stats.reports).toBeGreaterThan(HOMES * 4);
    expect(report).toMatchObject({
      homes: HOMES,
      expected: stats.reports,
      received: stats.reports,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      stale: 0,
      invalid: 0,
    });
    expect(report.latencyMs.count).toBe(stats.reports);
    expect(report.latencyMs.p50).toBeGreaterThan(0);
    expect(report.latencyMs.negative).toBe(0); // sender and verifier read one definition of wall time
    expect(report.latencyMs.max).toBeGreaterThanOrEqual(report.latencyMs.p999);
    expect(report.commands!.sent).toBeGreaterThan(5);
    expect(report.commands).toMatchObject({ acked: report.commands!.sent, unanswered: 0 });
    expect(report.commands!.rttMs.count).toBe(report.commands!.sent);
  });

  it('finds the loss, duplicates and reordering a proxy injects between the homes and the broker', async () => {
    broker = await startMosquitto();
    const cfg = config();
    // Reports 0, 10, 20, … pass; 3, 13, … are dropped; 5, 15, … duplicated; 7, 17, … overtaken by the next.
    const pattern = (k: number): FaultAction =>
      (['pass', 'pass', 'pass', 'drop', 'pass', 'duplicate', 'pass', 'reorder', 'pass', 'pass'] as const)[k % 10]!;
    proxy = await startFaultProxy(broker.port, pattern);
    const { report, stats } = await run({
      fleetUrl: proxy.url,
      source: mqttSource(broker.url, cfg),
      cfg,
      prefix: 'faulty',
      ms: 2000,
    });
    const c = proxy.counts;
    expect(c.drop).toBeGreaterThan(2);
    expect(c.duplicate).toBeGreaterThan(2);
    expect(c.reorder).toBeGreaterThan(2);
    expect(c.pass + c.drop + c.duplicate + c.reorder).toBe(stats.reports);
    expect(report).toMatchObject({
      expected: stats.reports,
      lost: c.drop,
      received: stats.reports - c.drop,
      duplicates: c.duplicate,
      reordered: c.reorder,
    });
    expect(report.anomalies!.length).toBeGreaterThan(0);
  });

  it('a broker restart during a QoS 1 run loses nothing: what the homes kept arrives, counted once', async () => {
    broker = await startMosquitto({ persistence: true });
    const cfg = config(1);
    const b = broker;
    const { report, stats } = await run({
      fleetUrl: b.url,
      source: mqttSource(b.url, cfg, 1),
      cfg,
      prefix: 'restart',
      ms: 1000,
      during: async () => {
        await b.halt();
        await sleep(1500); // reports pile up in every home's queue meanwhile
        await b.restart();
        await sleep(4000); // homes reconnect within 1–3 s and send what they kept
      },
    });
    expect(stats.disconnects).toBeGreaterThanOrEqual(HOMES);
    expect(report).toMatchObject({ expected: stats.reports, received: stats.reports, lost: 0, stale: 0 });
    // A report resent after the restart would be a duplicate, never a second received one (received = expected above).
    expect(report.restarts).toBe(0);
  });
});

const mqttUrl = requireService('rabbitmq-mqtt');
const amqpUrl = requireService('rabbitmq-amqp');

describe.skipIf(!mqttUrl || !amqpUrl)('verify over AMQP on RabbitMQ', () => {
  it('reads the reports from a private queue on webos.topic and sends its commands there', async () => {
    const cfg = config();
    const prefix = `amqp${process.pid}`;
    const source = new AmqpReportSource({
      url: amqpUrl!,
      exchange: 'webos.topic',
      filters: reportFilters(cfg),
      onLost: () => undefined,
    });
    const { report, stats } = await run({ fleetUrl: mqttUrl!, source, cfg, prefix, ms: 1500, commandRate: 10 });
    expect(report).toMatchObject({
      homes: HOMES,
      expected: stats.reports,
      received: stats.reports,
      lost: 0,
      duplicates: 0,
    });
    expect(report.commands!.sent).toBeGreaterThan(3);
    expect(report.commands).toMatchObject({ acked: report.commands!.sent, unanswered: 0 });
  });

  it('fails with a clear error when the exchange does not exist', async () => {
    const source = new AmqpReportSource({
      url: amqpUrl!,
      exchange: 'no.such.exchange',
      filters: ['webos/server/info'],
      onLost: () => undefined,
    });
    await expect(source.start(() => undefined)).rejects.toMatchObject({ code: 'BROKER_UNREACHABLE' });
  });
});
