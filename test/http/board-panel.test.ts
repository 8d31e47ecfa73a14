import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDevicesConfig } from '../../src/config/load.js';
import { startBoardPanel } from '../../src/http/board-panel.js';
import type { BoardSnapshot } from '../../src/http/board-view.js';
import type { Panel } from '../../src/http/home-panel.js';
import { startVirtualArduino, type VirtualArduino } from '../../src/links/firmware/virtual-arduino.js';
import { post } from './support.js';

describe('virtual-arduino board view API', () => {
  let uno: VirtualArduino;
  let panel: Panel;
  let base: string;
  beforeAll(async () => {
    const config = await loadDevicesConfig();
    uno = await startVirtualArduino({ config, speed: 1 });
    panel = await startBoardPanel({
      board: uno.board,
      wiring: uno.wiring,
      config,
      bind: { host: '127.0.0.1', port: 0 },
      speed: 1,
    });
    base = panel.url.replace(/\/board$/, '');
  }, 60_000);
  afterAll(async () => {
    await panel?.stop();
    await uno?.stop();
  });

  const board = async (): Promise<BoardSnapshot> => (await (await fetch(`${base}/api/board`)).json()) as BoardSnapshot;

  it(
    'sends / to the board view and shows the running board: millis, pins, ' + 'the servo holding the window closed',
    async () => {
      const root = await fetch(`${base}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/board');
      const config = await loadDevicesConfig();
      await expect
        .poll(async () => (await board()).servo.angle, { timeout: 15_000 })
        .toBeCloseTo(config.appliances.window.closedDeg, 0);
      const b = await board();
      expect(b.pins).toHaveLength(20);
      expect(b.millis).toBeGreaterThan(0);
      expect(b.pins[b.servo.pin]!.output).toBe(true);
    },
  );

  it('presses and releases a button pin through the wiring (active low)', async () => {
    expect((await board()).buttons['gas']!.pressed).toBe(false);
    expect((await post(base, '/api/press', { button: 'gas', action: 'press' })).status).toBe(200);
    expect((await board()).buttons['gas']!.pressed).toBe(true);
    expect((await post(base, '/api/press', { button: 'gas', action: 'release' })).status).toBe(200);
    expect((await board()).buttons['gas']!.pressed).toBe(false);
    const bad = await post(base, '/api/press', { button: 'door' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('PAYLOAD_INVALID');
  });
});
