/**
 * The panel in a real browser (Debian's chromium through playwright-core): the page shows the booted
 * home, its controls send commands through the bus (seen by an independent subscriber), its buttons
 * press the home's buttons, the firmware board view follows the servo, and the fleet page draws 2,000
 * homes and opens one. Screenshots go to .cache/test-results/.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { loadDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { startFleetPanel } from '../../src/http/fleet-panel.js';
import type { Panel } from '../../src/http/home-panel.js';
import { launchBrowser, SCREENSHOTS } from '../support/browser.js';
import { startPanelledBridge } from './support.js';

interface Seen {
  client: MqttClient;
  messages: Array<{ topic: string; text: string }>;
  json(): Array<Record<string, unknown>>;
}

/** A plain MQTT subscriber, independent of the bridge and the panel. */
async function subscriber(url: string, filters: string[]): Promise<Seen> {
  const client = await mqtt.connectAsync(url, {
    clientId: `panel-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const messages: Seen['messages'] = [];
  client.on('message', (topic, payload) => messages.push({ topic, text: payload.toString('utf8') }));
  await client.subscribeAsync(filters);
  return {
    client,
    messages,
    json: () =>
      messages.filter((m) => m.text.startsWith('{')).map((m) => JSON.parse(m.text) as Record<string, unknown>),
  };
}

let browser: BrowserContext & { dispose(): Promise<void> };
beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterAll(() => browser?.dispose());

const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: path.join(SCREENSHOTS, `panel-${name}.png`), fullPage: true });

describe('home page (emulated link)', () => {
  let bridge: Awaited<ReturnType<typeof startPanelledBridge>>;
  let bus: Seen;
  let page: Page;
  beforeAll(async () => {
    bridge = await startPanelledBridge({ kind: 'emulated' });
    bus = await subscriber(bridge.runtime.brokerUrl, ['webos/smarthome/#', 'webos/report/#']);
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await page?.close();
    await bus?.client.endAsync();
    await bridge?.stop();
  });

  it('loads and shows the booted status, live', async () => {
    await page.goto(bridge.panel.url);
    await expect.poll(() => page.textContent('#status-digits')).toBe('000000000');
    await expect.poll(() => page.textContent('#stream')).toBe('live');
    expect(await page.textContent('#aircon-label')).toBe('air-con off');
    expect(await page.textContent('#link-badge')).toBe('link emulated: ready');
  });

  it(
    'the air-con control sends a command the bus carries; the drawing, ' + 'status text and ack latency change',
    async () => {
      await page.click('#ctl-aircon');
      await expect
        .poll(() => bus.json().find((m) => m['command'] === 'control' && m['Producer'] === 'panel'), {
          timeout: 10_000,
        })
        .toMatchObject({ aircon: { enabled: true, power: 5 } });
      await expect.poll(() => page.textContent('#status-digits')).toBe('015000000');
      await expect.poll(() => page.textContent('#aircon-label')).toMatch(/^air-con on · power 5/);
      expect(await page.getAttribute('#airflow', 'visibility')).toBe('visible');
      expect(await page.getAttribute('#aircon-led', 'fill')).toBe('#3ecf8e');
      await expect
        .poll(() => page.textContent('#ack'))
        .toMatch(/^ack \S+ → 015000000 · bridge [\d.]+ ms · round trip [\d.]+ ms$/);
      expect(bus.json().some((m) => m['command'] === 'ack' && m['status'] === '015000000')).toBe(true);
      await expect.poll(() => page.locator('#log li').first().textContent()).toBeTruthy();
      await shot(page, 'home');
    },
  );

  it('a typed 9-digit command goes out as it is', async () => {
    await page.fill('#raw', '015140010');
    await page.click('#raw-form button');
    await expect
      .poll(() => bus.messages.some((m) => m.topic === 'webos/smarthome/info' && m.text === '015140010'), {
        timeout: 10_000,
      })
      .toBe(true);
    await expect.poll(() => page.textContent('#status-digits')).toBe('015140010');
  });

  it("pressing the page's light button changes the status the bus reports", async () => {
    const before = bus.json().filter((m) => m['command'] === 'status').length;
    await page.click('.hw-button[data-button="light"]');
    // Held for the home's hold time, the light button turns the light (position 3) off.
    await expect
      .poll(
        () =>
          bus
            .json()
            .filter((m) => m['command'] === 'status')
            .slice(before)
            .find((m) => m['cause'] === 'button')?.['status'],
        { timeout: 10_000 },
      )
      .toMatch(/^015[0]\d{3}10$/);
    const reported = bus
      .json()
      .filter((m) => m['command'] === 'status' && m['cause'] === 'button')
      .at(-1)!['status'];
    await expect.poll(() => page.textContent('#status-digits')).toBe(reported);
    expect(await page.textContent('#light-label')).toBe('light off');
  });
});

describe('board view (firmware link)', () => {
  let bridge: Awaited<ReturnType<typeof startPanelledBridge>>;
  let page: Page;
  beforeAll(async () => {
    bridge = await startPanelledBridge({ kind: 'firmware' });
    page = await browser.newPage();
  }, 150_000);
  afterAll(async () => {
    await page?.close();
    await bridge?.stop();
  });

  it('shows the servo move after a window command', async () => {
    const config = await loadDevicesConfig();
    await page.goto(`${bridge.panel.url}board`);
    await expect
      .poll(() => page.textContent('#servo-text'), { timeout: 15_000 })
      .toMatch(new RegExp(`^${config.appliances.window.closedDeg}° · `));
    const home = await browser.newPage();
    await home.goto(bridge.panel.url);
    await expect.poll(() => home.textContent('#link-badge')).toBe('link firmware: ready');
    await home.click('#ctl-window');
    await expect.poll(() => home.textContent('#ack'), { timeout: 10_000 }).toMatch(/^ack /);
    await expect
      .poll(() => page.textContent('#servo-text'), { timeout: 15_000 })
      .toMatch(
        new RegExp(`^${config.appliances.window.openDeg}° · \\d+ µs · window ${config.appliances.window.openDeg}°`),
      );
    expect(Number(await page.$eval('#servo', (el) => (el as unknown as { angle: number }).angle))).toBe(
      config.appliances.window.openDeg,
    );
    await expect.poll(() => home.textContent('#window-label')).toMatch(/^window open · \d+°/);
    // The link panel counts the protocol lines both ways.
    await expect.poll(() => home.textContent('#link-info')).toMatch(/serial lines[1-9]\d* in · [1-9]\d* out/);
    await shot(page, 'board');
    await shot(home, 'home-firmware');
    await home.close();
  }, 60_000);
});

describe('fleet page', () => {
  let broker: EmbeddedBroker;
  let fleet: Fleet;
  let panel: Panel;
  let page: Page;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    const config = fleetConfig(await loadDevicesConfig(), { reportPeriodMs: 10_000 });
    fleet = new Fleet({
      homes: 2000,
      workers: 2,
      prefix: 'home',
      config,
      url: broker.url,
      keepaliveS: 60,
      queueSize: 10,
      connectRate: 2000,
      logger: silentLogger(),
      logLevel: 'silent',
    });
    panel = await startFleetPanel({
      fleet,
      config,
      prefix: 'home',
      homes: 2000,
      url: broker.url,
      bind: { host: '127.0.0.1', port: 0 },
    });
    await fleet.start();
    page = await browser.newPage();
  }, 60_000);
  afterAll(async () => {
    await page?.close();
    await panel?.stop();
    await fleet?.stop();
    await broker?.close();
  });

  it('draws 2,000 homes and opens one', async () => {
    await page.goto(panel.url);
    await expect.poll(() => page.textContent('#cell-count'), { timeout: 20_000 }).toBe('2,000 cells');
    // Connections go on at their pace (all 2,000 take a while on a loaded machine): take the first
    // home online, find its cell on the canvas (row-major, `data-cols` per row), check it is painted
    // green, and click it.
    let online = -1;
    await expect
      .poll(
        async () => {
          const cells = new Uint8Array(
            await (await fetch(`${panel.url.replace(/fleet$/, '')}api/cells`)).arrayBuffer(),
          );
          online = cells.subarray(0, 2000).indexOf(2);
          return online;
        },
        { timeout: 60_000 },
      )
      .toBeGreaterThanOrEqual(0);
    const box = (await page.locator('#cells').boundingBox())!;
    const cols = Number(await page.getAttribute('#cells', 'data-cols'));
    const size = Number(await page.getAttribute('#cells', 'data-cell'));
    const x = (online % cols) * size + size / 2;
    const y = Math.floor(online / cols) * size + size / 2;
    type Canvas = {
      width: number;
      clientWidth: number;
      getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    };
    const pixel = (): Promise<number[]> =>
      page.$eval(
        '#cells',
        (c, [px, py]) => {
          const canvas = c as unknown as Canvas;
          const dpr = canvas.width / canvas.clientWidth;
          return Array.from(
            canvas
              .getContext('2d')
              .getImageData(Math.floor(px! * dpr), Math.floor(py! * dpr), 1, 1)
              .data.slice(0, 3),
          );
        },
        [x, y],
      );
    await expect.poll(pixel, { timeout: 10_000 }).toEqual([62, 207, 142]);
    await shot(page, 'fleet');
    await page.mouse.click(box.x + x, box.y + y);
    await page.waitForURL(new RegExp(`/home\\?home=home-${online}$`));
    await expect.poll(() => page.textContent('#home-name')).toBe(`home-${online}`);
    await expect.poll(() => page.textContent('#status-digits'), { timeout: 20_000 }).toBe('000000000');
  }, 150_000);
});
