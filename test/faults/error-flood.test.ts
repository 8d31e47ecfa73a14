/**
 * A flood of 10,000 bad commands: the bridge stays up, reports at most bus.maxErrorReportsPerSecond
 * errors in any second, counts every one by cause in its health report, and the next good command works.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/brokers.js';
import { bridgeProcess, bridgeServing } from './support/processes.js';
import { writeFaultDevices } from './support/readings.js';
import { Recorder } from './support/recorder.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const CAP = 10; // devices.json bus.maxErrorReportsPerSecond (default)
const BAD = [
  { payload: 'garbage!!!', code: 'STATUS_LENGTH' },
  { payload: '{not json', code: 'PAYLOAD_NOT_JSON' },
  { payload: '999999999', code: 'STATUS_RANGE' },
  { payload: 'x'.repeat(5000), code: 'PAYLOAD_TOO_LARGE' },
] as const;
const FLOOD = 10_000;

describe('error flood', () => {
  it('caps error reports per second, counts every bad command by cause, and still serves', async () => {
    const devices = writeFaultDevices({ qos: 0, healthPeriodMs: 500 });
    cleanups.push(devices.remove);
    const port = await freePort();
    const bridge = bridgeProcess([
      'run',
      '--broker-port',
      String(port),
      '--devices',
      devices.file,
      '--log-level',
      'error',
    ]);
    cleanups.push(() => bridge.kill());
    await bridgeServing(bridge);
    const url = `mqtt://127.0.0.1:${port}`;
    const recorder = await Recorder.connect(url, 'webos/report/smarthome/#');
    cleanups.push(() => recorder.close());
    const sender = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: `flood-${process.pid}`,
      reconnectPeriod: 0,
    });
    cleanups.push(() => sender.endAsync(true));

    for (let i = 0; i < FLOOD; i++) sender.publish('webos/smarthome/info', BAD[i % BAD.length]!.payload, { qos: 0 });
    await sender.publishAsync(
      'webos/smarthome/info',
      JSON.stringify({ command: 'control', id: 'after-flood', light: { brightness: 7 } }),
      { qos: 1 },
    );

    const json = () =>
      recorder.messages.map((m) => m.json).filter((j): j is Record<string, unknown> => j !== undefined);
    await recorder.until(
      'the acknowledgement of the good command',
      () => json().some((j) => j['command'] === 'ack' && j['id'] === 'after-flood'),
      60_000,
    );
    const counted = (h: Record<string, unknown>, code: string): number =>
      (h['counters'] as Record<string, number>)[`error.${code}`] ?? 0;
    await recorder.until(
      'a health report with every bad command counted',
      () =>
        json().some((j) => j['command'] === 'health' && BAD.every((b) => counted(j, b.code) === FLOOD / BAD.length)),
      30_000,
    );

    const ack = json().find((j) => j['command'] === 'ack' && j['id'] === 'after-flood')!;
    // Light on at brightness 7: the command after the flood was applied.
    expect(String(ack['status']).slice(3, 5)).toBe('17');

    const errors = json().filter((j) => j['command'] === 'error');
    const times = errors.map((e) => Date.parse(String(e['time'])));
    // No second holds more than CAP reports (report times have ms resolution: allow the rounding).
    for (let i = CAP; i < times.length; i++) expect(times[i]! - times[i - CAP]!).toBeGreaterThanOrEqual(998);
    const spanS = (times[times.length - 1]! - times[0]!) / 1000;
    expect(errors.length).toBeLessThanOrEqual(CAP * (Math.ceil(spanS) + 1));
    expect(errors.length).toBeGreaterThanOrEqual(CAP);
    expect(new Set(errors.map((e) => e['code']))).toEqual(new Set(BAD.map((b) => b.code)));

    const health = json()
      .filter((j) => j['command'] === 'health')
      .pop()!;
    const c = health['counters'] as Record<string, number>;
    expect(c['messagesIn']).toBeGreaterThanOrEqual(FLOOD + 1);
    expect(c['errorReportsSuppressed']).toBe(FLOOD - errors.length);
    console.info(
      `[flood] ${FLOOD} bad commands in; ${errors.length} error reports over ${spanS.toFixed(1)} s; suppressed ` +
        `${c['errorReportsSuppressed']}; counted ` +
        `${BAD.map((b) => `${b.code}=${counted(health, b.code)}`).join(' ')}`,
    );
    expect(bridge.running).toBe(true);
    expect((await bridge.stop()).code).toBe(0);
  }, 120_000);
});
