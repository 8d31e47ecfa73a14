import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { loadDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { startFleetPanel } from '../../src/http/fleet-panel.js';
import type { Panel } from '../../src/http/home-panel.js';
import { post, promtoolCheck, sample, startPanelledBridge } from './support.js';

const scrape = async (base: string): Promise<string> => {
  const res = await fetch(`${base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
};

describe('/metrics of one bridge', () => {
  let bridge: Awaited<ReturnType<typeof startPanelledBridge>>;
  // 60× real time: sensor readings every second or so.
  beforeAll(async () => (bridge = await startPanelledBridge({ kind: 'emulated' }, 60)));
  afterAll(() => bridge?.stop());

  it('passes promtool, and its counters move as commands and readings flow', async () => {
    const before = await scrape(bridge.base);
    expect(promtoolCheck(before)).toBe('');
    expect(sample(before, 'smarthome_link_state{kind="emulated",state="ready"}')).toBe(1);
    expect(sample(before, 'smarthome_queue_depth')).toBe(0);

    for (const payload of ['016155010', { command: 'control', window: 'close' }, '12345']) {
      expect((await post(bridge.base, '/api/command', { payload })).status).toBe(200);
    }
    await expect
      .poll(async () => sample(await scrape(bridge.base), 'smarthome_messages_out_total{route="sensor"}') ?? 0, {
        timeout: 15_000,
      })
      .toBeGreaterThan(sample(before, 'smarthome_messages_out_total{route="sensor"}') ?? 0);
    const after = await scrape(bridge.base);
    expect(promtoolCheck(after)).toBe('');
    expect(sample(after, 'smarthome_messages_in_total{route="command"}')).toBe(
      (sample(before, 'smarthome_messages_in_total{route="command"}') ?? 0) + 3,
    );
    expect(sample(after, 'smarthome_messages_out_total{route="ack"}')).toBe(
      (sample(before, 'smarthome_messages_out_total{route="ack"}') ?? 0) + 2,
    );
    expect(sample(after, 'smarthome_errors_total{code="STATUS_LENGTH"}')).toBe(1);
    expect(sample(after, 'smarthome_ack_latency_seconds_count')).toBe(2);
    expect(sample(after, 'smarthome_report_lateness_seconds_count')).toBeGreaterThan(0);
  });
});

describe('/metrics of a fleet', () => {
  let broker: EmbeddedBroker;
  let fleet: Fleet;
  let panel: Panel;
  let base: string;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const config = fleetConfig(await loadDevicesConfig(), { reportPeriodMs: 200 });
    fleet = new Fleet({
      homes: 30,
      workers: 2,
      prefix: 'm',
      config,
      url: broker.url,
      keepaliveS: 60,
      queueSize: 10,
      connectRate: 300,
      logger: silentLogger(),
      logLevel: 'silent',
    });
    panel = await startFleetPanel({
      fleet,
      config,
      prefix: 'm',
      homes: 30,
      url: broker.url,
      bind: { host: '127.0.0.1', port: 0 },
    });
    base = panel.url.replace(/\/fleet$/, '');
    await fleet.start();
  });
  afterAll(async () => {
    await panel?.stop();
    await fleet?.stop();
    await broker?.close();
  });

  it('sums every home of every worker, with no per-home label, and passes promtool', async () => {
    await expect
      .poll(async () => sample(await scrape(base), 'smarthome_fleet_homes_connected'), { timeout: 20_000 })
      .toBe(30);
    const first = await scrape(base);
    expect(promtoolCheck(first)).toBe('');
    expect(first).not.toMatch(/home="/);
    expect(sample(first, 'smarthome_fleet_homes')).toBe(30);
    await expect
      .poll(async () => sample(await scrape(base), 'smarthome_fleet_reports_total') ?? 0, { timeout: 10_000 })
      .toBeGreaterThan((sample(first, 'smarthome_fleet_reports_total') ?? 0) + 30);
    const later = await scrape(base);
    expect(sample(later, 'smarthome_report_lateness_seconds_count')).toBeGreaterThan(0);
    expect(sample(later, 'smarthome_report_lateness_seconds_bucket{le="+Inf"}')).toBe(
      sample(later, 'smarthome_report_lateness_seconds_count'),
    );
    expect(promtoolCheck(later)).toBe('');
  });

  it('gives the grid one cell per home, online once connected', async () => {
    const res = await fetch(`${base}/api/cells`);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.length).toBe(30 * 3);
    expect([...body.subarray(0, 30)].every((s) => s === 2)).toBe(true);
  });
});

describe('the fleet page of a fleet with firmware homes', () => {
  let broker: EmbeddedBroker;
  let fleet: Fleet;
  let panel: Panel;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const config = fleetConfig(await loadDevicesConfig());
    const mix = { firmware: 1, emulated: 1 };
    fleet = new Fleet({
      homes: 2,
      mix,
      workers: 0,
      prefix: 'b',
      config,
      url: broker.url,
      keepaliveS: 60,
      queueSize: 10,
      connectRate: 50,
      logger: silentLogger(),
      logLevel: 'silent',
    });
    panel = await startFleetPanel({
      fleet,
      config,
      prefix: 'b',
      homes: 2,
      url: broker.url,
      bind: { host: '127.0.0.1', port: 0 },
    });
    await fleet.start();
  }, 60_000);
  afterAll(async () => {
    await panel?.stop();
    await fleet?.stop();
    await broker?.close();
  });

  it("shows the boards' figures: lag, MHz, serial lines, checksum errors, resets", async () => {
    const api = `${panel.url.replace(/\/fleet$/, '')}/api/fleet`;
    type Boards = { boards: number; lines: number; mhzMean: number; checksumErrors: number; resets: number };
    const boards = async (): Promise<Boards | undefined> =>
      ((await (await fetch(api)).json()) as { boards?: Boards }).boards;
    await expect.poll(async () => (await boards())?.mhzMean ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    const b = (await boards())!;
    expect(b.boards).toBe(1);
    expect(b.lines).toBeGreaterThan(3);
    expect(b).toMatchObject({ checksumErrors: 0, resets: 0 });
  }, 60_000);
});
