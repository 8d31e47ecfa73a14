/**
 * Broker killed and restarted while a virtual home reports every 100 ms at QoS 1: every reading taken
 * during the outage arrives after the restart, in order, each once (QoS 1 may repeat the one or two in
 * flight at the kill), counted rather than sampled. Run against aedes in its own process, mosquitto and
 * RabbitMQ (one restart: a warm RabbitMQ start takes ~5 s).
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { inCI } from '../support/brokers.js';
import { runOutage } from './support/outage.js';
import {
  aedesProcess,
  mosquittoProcess,
  rabbitmqProcess,
  type RestartableBroker,
} from './support/restartable-brokers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const hasRabbitmq = existsSync('/usr/lib/rabbitmq/bin/rabbitmq-server') || inCI();

const cases: {
  name: string;
  start: () => Promise<RestartableBroker>;
  outageMs: number;
  timeout: number;
  skip?: boolean;
}[] = [
  { name: 'aedes (own process)', start: aedesProcess, outageMs: 2000, timeout: 90_000 },
  { name: 'mosquitto', start: mosquittoProcess, outageMs: 2000, timeout: 90_000 },
  { name: 'RabbitMQ', start: rabbitmqProcess, outageMs: 500, timeout: 480_000, skip: !hasRabbitmq },
];

describe('broker killed and restarted during QoS 1 reporting', () => {
  for (const c of cases) {
    it.skipIf(c.skip)(
      `${c.name}: every reading taken during the outage arrives, in order, none lost`,
      async () => {
        const broker = await c.start();
        cleanups.push(() => broker.stop());
        const r = await runOutage(broker, { outageMs: c.outageMs, cleanups });
        console.info(
          `[${c.name}] outage ${r.outageMs} ms; readings received ${r.count.received}, distinct ` +
            `${r.count.unique}, during the outage ${r.duringOutage}, duplicates ${r.count.duplicates}, missing ` +
            `${r.count.missing.length}, out of order ${r.count.outOfOrder}`,
        );
        expect(r.count.missing).toEqual([]);
        expect(r.count.crowded).toBe(0);
        expect(r.count.outOfOrder).toBe(0);
        // QoS 1 repeats at most what was in flight at the kill: with a reading every 100 ms, one or two.
        expect(r.count.duplicates).toBeLessThanOrEqual(2);
        expect(r.duringOutage).toBeGreaterThanOrEqual(Math.floor(r.outageMs / 100) - 2);
        // Every (re)connect announces the home online; a reconnect also republishes the current status.
        expect(r.availabilityOnline).toBeGreaterThanOrEqual(2);
        expect(r.resyncStatus).toBeGreaterThanOrEqual(1);
        expect(r.bridgeExit.code).toBe(0);
      },
      c.timeout,
    );
  }
});
