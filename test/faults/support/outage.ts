import { Gate } from './gate.js';
import { bridgeProcess, bridgeServing, type Proc } from './processes.js';
import { countReadings, PERIOD_MS, readingTime, writeFaultDevices, type ReadingCount } from './readings.js';
import { Recorder, type Received } from './recorder.js';
import type { RestartableBroker } from './restartable-brokers.js';

/**
 * The broker-outage scenario shared by every broker: a virtual home reports rain every 100 ms at
 * QoS 1 through a bridge process; the broker is killed (SIGKILL) just after a reading arrived, stays
 * away for a while, and is started again; the observer re-subscribes before the bridge may reconnect.
 * Everything the observer received is returned with the exact count.
 */
export interface OutageResult {
  count: ReadingCount;
  /** Readings taken while the broker was away. */
  duringOutage: number;
  outageMs: number;
  availabilityOnline: number;
  resyncStatus: number;
  bridgeExit: { code: number | null; signal: NodeJS.Signals | null };
  messages: Received[];
}

export async function runOutage(
  broker: RestartableBroker,
  opts: { outageMs: number; cleanups: (() => Promise<void> | void)[] },
): Promise<OutageResult> {
  const { cleanups } = opts;
  const devices = writeFaultDevices();
  cleanups.push(devices.remove);
  const recorder = await Recorder.connect(broker.url, 'webos/report/smarthome/#');
  cleanups.push(() => recorder.close());
  const gate = new Gate(broker.port);
  await gate.open();
  cleanups.push(() => gate.shut());

  const bridge: Proc = bridgeProcess([
    'run',
    '--broker',
    gate.url,
    '--devices',
    devices.file,
    '--client-id',
    `outage-${broker.name}-${process.pid}`,
    '--log-level',
    'info',
  ]);
  cleanups.push(() => bridge.kill());
  await bridgeServing(bridge);
  await bridge.waitFor(/connected to broker/);
  const rain = (): Received[] => recorder.readings('rain');
  await recorder.until('ten readings before the outage', () => rain().length >= 10);

  // Kill just after a reading arrived: the next one is a period away, so none is half-way through the broker.
  const before = rain().length;
  await recorder.until('a fresh reading', () => rain().length > before);
  await gate.shut();
  await broker.kill();
  const outageStart = Date.now();
  await new Promise((r) => setTimeout(r, opts.outageMs));
  await broker.restart();
  await recorder.ready();
  await gate.open();
  const restored = Date.now();
  await bridge.waitFor(/connected to broker[\s\S]*connected to broker/, 30_000);
  await recorder.until(
    'readings a second past the restart',
    () => rain().some((m) => readingTime(m) >= restored + 1000),
    30_000,
  );
  // Let the last few settle, then stop the bridge cleanly.
  await new Promise((r) => setTimeout(r, 3 * PERIOD_MS));
  const bridgeExit = await bridge.stop();

  const readings = rain();
  const kind = (command: string, pred: (j: Record<string, unknown>) => boolean): number =>
    recorder.messages.filter((m) => m.json?.['command'] === command && pred(m.json)).length;
  return {
    count: countReadings(readings),
    duringOutage: new Set(
      readings.filter((m) => readingTime(m) > outageStart && readingTime(m) < restored).map((m) => m.text),
    ).size,
    outageMs: restored - outageStart,
    availabilityOnline: kind('availability', (j) => j['state'] === 'online'),
    resyncStatus: kind('status', (j) => j['cause'] === 'resync'),
    bridgeExit,
    messages: recorder.messages,
  };
}
