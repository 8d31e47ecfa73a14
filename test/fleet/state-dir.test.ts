import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { fleetConfig } from '../../src/fleet/addressing.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { observe, startWatchedBroker, until, type WatchedBroker } from './support.js';

const HOMES = 5;

describe('fleet --state-dir: every home keeps its status across a restart of the fleet', () => {
  let broker: WatchedBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await startWatchedBroker();
    dir = mkdtempSync(path.join(tmpdir(), 'fleet-state-'));
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const startFleet = async (workers: number): Promise<Fleet> => {
    const fleet = new Fleet({
      homes: HOMES,
      workers,
      prefix: 's',
      config: fleetConfig(defaultDevicesConfig()),
      url: broker.url,
      keepaliveS: 60,
      queueSize: 100,
      connectRate: 200,
      stateDir: dir,
      logger: silentLogger(),
      logLevel: 'silent',
    });
    await fleet.start();
    await until(async () => (await fleet.stats()).connected === HOMES, 'every home to connect');
    return fleet;
  };

  it('a command changes one home; after the restart that home boots with it, the others from their files or ' +
    'defaults', async () => {
    const observer = await observe(broker.url);
    const first = await startFleet(2);
    const sender = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    await sender.publishAsync('webos/smarthome/s-2/info', '016155010');
    await until(
      () => observer.messages.some((m) => m.payload['home'] === 's-2' && m.payload['command'] === 'ack'),
      'the ack of s-2',
    );
    await first.stop();
    expect(JSON.parse(readFileSync(path.join(dir, 's-2.json'), 'utf8'))).toMatchObject({ status: '016155010' });
    // Homes still at the boot status wrote nothing: no file restores to the same 000000000.
    expect(existsSync(path.join(dir, 's-1.json'))).toBe(false);
    // A torn file costs that home its status, not the fleet.
    writeFileSync(path.join(dir, 's-3.json'), '{"status":"0161');

    observer.messages.length = 0;
    const second = await startFleet(0);
    await until(
      () =>
        observer.messages.filter((m) => m.payload['command'] === 'status' && m.payload['cause'] === 'boot').length ===
        HOMES,
      'every boot status',
    );
    const boot = Object.fromEntries(
      observer.messages
        .filter((m) => m.payload['cause'] === 'boot')
        .map((m) => [m.payload['home'], m.payload['status']]),
    );
    expect(boot).toEqual({
      's-0': '000000000',
      's-1': '000000000',
      's-2': '016155010',
      's-3': '000000000',
      's-4': '000000000',
    });
    expect(second.slice!.homes.find((h) => h.address.id === 's-2')!.link.status).toBe('016155010');
    await second.stop();
    await sender.endAsync();
    await observer.client.endAsync();
  }, 60_000);
});
