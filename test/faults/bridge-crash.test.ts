/**
 * Bridge killed with SIGKILL during a broker outage with --queue-file: the readings it had queued are
 * delivered by the next run, in order, before the new run's readings, each with its original time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Gate } from './support/gate.js';
import { bridgeProcess, bridgeServing } from './support/processes.js';
import { countReadings, PERIOD_MS, readingTime, writeFaultDevices } from './support/readings.js';
import { Recorder } from './support/recorder.js';
import { aedesProcess } from './support/restartable-brokers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('bridge killed during an outage', () => {
  it('delivers the readings it had queued after a restart with the same --queue-file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bridge-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const queueFile = path.join(dir, 'queue.jsonl');
    const devices = writeFaultDevices();
    cleanups.push(devices.remove);
    const broker = await aedesProcess();
    cleanups.push(() => broker.stop());
    const recorder = await Recorder.connect(broker.url, 'webos/report/smarthome/#');
    cleanups.push(() => recorder.close());
    const gate = new Gate(broker.port);
    await gate.open();
    cleanups.push(() => gate.shut());
    const args = [
      'run',
      '--broker',
      gate.url,
      '--devices',
      devices.file,
      '--queue-file',
      queueFile,
      '--client-id',
      `crash-${process.pid}`,
      '--log-level',
      'info',
    ];

    const first = bridgeProcess(args);
    cleanups.push(() => first.kill());
    await bridgeServing(first);
    await first.waitFor(/connected to broker/);
    const rain = () => recorder.readings('rain');
    await recorder.until('readings before the outage', () => rain().length >= 5);
    const before = rain().length;
    await recorder.until('a fresh reading', () => rain().length > before);
    await gate.shut();
    await broker.kill();
    const outageStart = Date.now();
    await new Promise((r) => setTimeout(r, 1500));
    await first.kill();
    const killedAt = Date.now();

    await broker.restart();
    await recorder.ready();
    await gate.open();
    const second = bridgeProcess(args);
    cleanups.push(() => second.kill());
    await bridgeServing(second);
    const restored = await second.waitFor(/"restored":(\d+)/);
    const secondStart = Date.now();
    await recorder.until(
      'readings of the second run',
      () => rain().filter((m) => readingTime(m) > secondStart).length >= 5,
    );
    expect((await second.stop()).code).toBe(0);

    const all = rain();
    const firstRun = all.filter((m) => readingTime(m) < killedAt);
    const secondRun = all.filter((m) => readingTime(m) > killedAt);
    const count = countReadings(firstRun);
    const queued = new Set(firstRun.filter((m) => readingTime(m) > outageStart).map((m) => m.text)).size;
    console.info(
      `[queue file] first run: ${count.unique} distinct readings, ${queued} taken during the outage and ` +
        `delivered by the second run (journal restored ${restored[1]}), duplicates ${count.duplicates}, missing ` +
        `${count.missing.length}`,
    );
    // Every period of the first run, including the outage up to the kill, has its reading.
    expect(count.missing).toEqual([]);
    expect(count.crowded).toBe(0);
    expect(count.outOfOrder).toBe(0);
    expect(count.lastTime).toBeGreaterThanOrEqual(killedAt - 2 * PERIOD_MS - 50);
    expect(queued).toBeGreaterThanOrEqual(12);
    expect(Number(restored[1])).toBeGreaterThanOrEqual(queued);
    // The first run's readings come before anything of the second run.
    const lastOfFirst = all.lastIndexOf(firstRun[firstRun.length - 1]!);
    const firstOfSecond = all.indexOf(secondRun[0]!);
    expect(lastOfFirst).toBeLessThan(firstOfSecond);
  }, 120_000);
});
