/**
 * A queue too small for the outage (`--queue-size`): the oldest readings are dropped, the newest kept,
 * and when the broker is back the drops are reported once (QUEUE_OVERFLOW, counts per route) and show in
 * the health report (`--health-period`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Gate } from './support/gate.js';
import { bridgeProcess, bridgeServing } from './support/processes.js';
import { readingTime, writeFaultDevices } from './support/readings.js';
import { Recorder } from './support/recorder.js';
import { aedesProcess } from './support/restartable-brokers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('queue overflow during an outage', () => {
  it('keeps the newest readings, counts the dropped ones, and reports them once when the broker is back', async () => {
    const devices = writeFaultDevices();
    cleanups.push(devices.remove);
    const broker = await aedesProcess();
    cleanups.push(() => broker.stop());
    const recorder = await Recorder.connect(broker.url, 'webos/report/smarthome/#');
    cleanups.push(() => recorder.close());
    const gate = new Gate(broker.port);
    await gate.open();
    cleanups.push(() => gate.shut());
    const bridge = bridgeProcess([
      'run',
      '--broker',
      gate.url,
      '--devices',
      devices.file,
      '--queue-size',
      '5',
      '--health-period',
      '500ms',
      '--client-id',
      `overflow-${process.pid}`,
      '--log-level',
      'info',
    ]);
    cleanups.push(() => bridge.kill());
    await bridgeServing(bridge);
    await bridge.waitFor(/connected to broker/);
    const rain = () => recorder.readings('rain');
    await recorder.until('readings', () => rain().length >= 3);

    await gate.shut();
    await broker.kill();
    const outageStart = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    await broker.restart();
    await recorder.ready();
    await gate.open();
    const restored = Date.now();
    const json = () =>
      recorder.messages.map((m) => m.json).filter((j): j is Record<string, unknown> => j !== undefined);
    await recorder.until(
      'the overflow report',
      () => json().some((j) => j['command'] === 'error' && j['code'] === 'QUEUE_OVERFLOW'),
      30_000,
    );
    await recorder.until('a health report after the restart', () =>
      json().some((j) => j['command'] === 'health' && Date.parse(String(j['time'])) > restored),
    );
    expect((await bridge.stop()).code).toBe(0);

    const overflow = json().filter((j) => j['command'] === 'error' && j['code'] === 'QUEUE_OVERFLOW');
    expect(overflow).toHaveLength(1);
    // The bridge reconnects up to a second after the broker is back; its online announcement marks the moment.
    const online = json().filter((j) => j['command'] === 'availability' && j['state'] === 'online');
    expect(online.length).toBeGreaterThanOrEqual(2);
    const reconnectAt = Date.parse(String(online[online.length - 1]!['time']));
    const taken = Math.floor((reconnectAt - outageStart) / 100);
    const queued = rain().filter((m) => readingTime(m) > outageStart && readingTime(m) < reconnectAt);
    // Five places: the newest readings of the outage (a health report may have held one place).
    expect(queued.length).toBeGreaterThanOrEqual(4);
    expect(queued.length).toBeLessThanOrEqual(5);
    expect(readingTime(queued[queued.length - 1]!)).toBeGreaterThan(reconnectAt - 200);
    const health = json()
      .filter((j) => j['command'] === 'health')
      .pop()!;
    const dropped = (health['counters'] as Record<string, number>)['dropped.sensor'] ?? 0;
    expect(dropped).toBeGreaterThanOrEqual(taken - 5 - 3);
    expect(String(overflow[0]!['reason'])).toMatch(/reports were dropped while the broker was away: .*"sensor":\d+/);
    console.info(
      `[overflow] outage ${reconnectAt - outageStart} ms, ${queued.length} readings kept, ${dropped} dropped; ` +
        `${String(overflow[0]!['reason'])}`,
    );
  }, 90_000);
});
