import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';
import { parseDevicesConfig } from '../../src/config/load.js';

/** Every sensor reading published (the default publishes changes and a heartbeat; docs/bus.md). */
const periodic = parseDevicesConfig({ bus: { sensorReports: { mode: 'period' } } });

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

const json = (home: TestHome) => home.messages.map((m) => m.json as Record<string, unknown> | undefined);

describe('startHome on the emulated link', () => {
  it('boots, goes online and reports the boot status on the bus', async () => {
    home = await startHome();
    expect(home.link.kind).toBe('emulated');
    await home.expectStatus('000000000');
    await home.expectMessage({
      topic: 'webos/report/smarthome/info',
      fields: { command: 'availability', state: 'online', link: 'emulated' },
    });
    await home.expectMessage({ fields: { command: 'status', cause: 'boot' } });
  });

  it('send: a legacy command is acknowledged and changes the status', async () => {
    home = await startHome();
    await home.send('016155010');
    // send waits for the bridge: the acknowledgement is already there.
    expect(json(home).some((m) => m?.['command'] === 'ack' && m['status'] === '016155010')).toBe(true);
    await home.expectMessage({
      topic: 'webos/report/smarthome/info',
      fields: { command: 'ack', request: '016155010', changed: true },
    });
    await home.expectStatus('016155010', { within: 0 });
    expect(home.status).toBe('016155010');
  });

  it('send: a JSON command with an id on the Android topic is acknowledged with that id', async () => {
    home = await startHome();
    await home.send(
      { Producer: 'android', command: 'control', id: 42, aircon: { power: 6 } },
      { topic: 'webos/smarthome' },
    );
    const ack = await home.expectMessage({ fields: { command: 'ack', id: '42' } });
    expect((ack.json as { status: string }).status).toBe('016000000');
    await home.expectMessage({ fields: { command: 'status', cause: 'command', 'aircon.on': true, 'aircon.power': 6 } });
  });

  it('advance: sensor readings arrive on their periods in virtual time (mode period)', async () => {
    home = await startHome({ seed: 7, devices: periodic });
    await home.set({ raining: true, indoorTemperature: 21.44, indoorHumidity: 40 });
    await home.advance('2s');
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain', rain: 1 } }, { within: 0 });
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'climate', temp: 21.4, humi: 40 } }, { within: 0 });
    const before = home.messages.filter((m) => (m.json as { sensor?: string } | undefined)?.sensor === 'rain').length;
    await home.advance('1m');
    const after = home.messages.filter((m) => (m.json as { sensor?: string } | undefined)?.sensor === 'rain').length;
    expect(after - before).toBe(30);
  });

  it('expectations advance virtual time up to `within`, not further', async () => {
    home = await startHome();
    const t0 = home.clock.now();
    await home.set({ raining: true });
    await home.expectMessage({ fields: { sensor: 'rain', rain: 1 } }, { within: '3s' });
    expect(home.clock.now() - t0).toBe(2000);
  });

  it('press: holding the aircon button toggles it and clears the mode digit', async () => {
    home = await startHome({ initialStatus: '300000000' });
    await home.press('aircon');
    await home.expectMessage({ fields: { command: 'event', event: 'button', button: 'aircon' } }, { within: 0 });
    await home.expectStatus('010000000', { within: 0 });
    await home.expectMessage({ fields: { command: 'status', cause: 'button' } }, { within: 0 });
  });

  it('press: a hold shorter than the configured time toggles nothing', async () => {
    home = await startHome();
    await home.press('light', { holdMs: 500 });
    await expect(home.expectMessage({ fields: { event: 'button' } }, { within: '1s' })).rejects.toThrow(
      /expectMessage failed/,
    );
    expect(home.status).toBe('000000000');
  });

  it('pushWindow: a hand-opened window becomes the status after the contact debounce', async () => {
    home = await startHome({ initialStatus: '100000000' });
    await home.pushWindow(true);
    await home.expectMessage({ fields: { command: 'event', event: 'window', open: true } }, { within: '2.5s' });
    await home.expectStatus('000000010', { within: 0 });
    expect(home.outputs().windowAngle).toBe(110);
    // Bug 8 fixed: a close command after the hand-opened window closes it.
    await home.send('022222202');
    await home.expectStatus('000000000');
    await home.advance('1.2s');
    expect(home.outputs().windowAngle).toBe(0);
  });

  it('outputs: the fan and the light follow the status', async () => {
    home = await startHome();
    await home.send('016131000');
    const out = home.outputs();
    expect(out.fanDuty).toBe(150);
    expect(out.light).toEqual({ r: 75, g: 0, b: 0 });
  });

  it('setStatus reaches an exact status with commands, values of appliances that are off included', async () => {
    home = await startHome();
    expect(await home.setStatus('006055000')).toBe('006055000');
    await home.expectMessage({ fields: { command: 'ack', request: '016155000' } }, { within: 0 });
    await home.expectMessage({ fields: { command: 'ack', request: '006055000', status: '006055000' } }, { within: 0 });
    // Called again: the same two commands, nothing changes.
    await home.setStatus('006055000');
    await home.expectMessage({ fields: { command: 'ack', request: '016155000', status: '016155000' } }, { within: 0 });
  });

  it('runs in real time too, scaled by speed', async () => {
    home = await startHome({ time: 'real', speed: 100 });
    expect(home.clock.speed).toBe(100);
    await home.set({ raining: true });
    // 3 s of home time are 30 ms of wall time here; the rain sensor reports every 2 s.
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain', rain: 1 } }, { within: '3s' });
    await home.advance('1s');
    await home.send('016155010');
    await home.expectStatus('016155010');
  });

  it('close stops everything and may be called twice', async () => {
    const h = await startHome();
    await h.close();
    await h.close();
    expect(h.link.state).toBe('stopped');
  });
});

describe('faults on the emulated link', () => {
  it('broker-outage queues reports while the bridge is cut off and delivers them after the restore', async () => {
    home = await startHome({ devices: periodic });
    await home.set({ raining: true });
    await home.fault('broker-outage');
    // The broker sends the bridge's will.
    await home.expectMessage({ fields: { command: 'availability', state: 'offline' } }, { within: 0 });
    const cutAt = home.messages.length;
    await home.advance('4s');
    expect(home.messages.length).toBe(cutAt);
    await home.fault('broker-restore');
    await home.expectMessage({ fields: { command: 'availability', state: 'online' } });
    const rain = home.messages
      .slice(cutAt)
      .filter((m) => (m.json as { sensor?: string } | undefined)?.sensor === 'rain');
    expect(rain).toHaveLength(2);
    await home.send('016155010');
    await home.expectStatus('016155010');
  });

  it('broker-outage with `for` restores by itself', async () => {
    home = await startHome();
    await home.fault('broker-outage', { for: '3s' });
    expect(home.runtime.bus.connected).toBe(true);
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain' } }, { within: 0 });
  });

  it.each(['serial-garbage', 'unplug', 'replug', 'board-reset'] as const)(
    '%s is refused with an error naming the link',
    async (fault) => {
      home = await startHome();
      const err = await home.fault(fault).catch((e: unknown) => e);
      expect(isBridgeError(err, 'FAULT_UNSUPPORTED')).toBe(true);
      expect((err as Error).message).toContain(`link emulated cannot inject ${fault}`);
      expect((err as Error).message).toContain('broker-outage');
    },
  );
});
