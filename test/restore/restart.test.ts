/**
 * The same home after a restart, on every link: a first run takes the home to `009060210` (air-con off
 * but holding power 9, light off holding brightness 6 and effect 2, window open) and keeps it in
 * --rtdb-file and --state-file; the second run starts on a board that booted off (a fresh emulated
 * board; a fresh StandardFirmata board; virtual-arduino started again) and must bring it back: the
 * board holds the stored status, the bus hears one status report with cause `restore` and never
 * `000000000`, and neither file is overwritten with the boot status.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { startHome, type StartHomeOptions } from '../../src/harness/start-home.js';
import type { EmulatedLink } from '../../src/links/emulated.js';
import { startRuntime } from '../../src/runtime.js';
import type { TestHome } from '../../src/harness/test-home.js';
import { inCI } from '../support/brokers.js';
import { startCli, type CliRun } from '../support/cli-process.js';
import { socatAvailable } from '../support/socat.js';
import { FirmataRig } from '../links/firmata/support/rig.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from '../links/firmata/support/standard-firmata.js';

const STORED = '009060210';

let dir: string;
let home: TestHome | undefined;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'restart-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await home?.close();
  home = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** The parts of the rtdb file's tree these tests read and change. */
interface RtdbTree {
  smarthome: { status: string };
  sensor: { openweather: { icon: string } };
}
const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const readRtdb = (file: string): RtdbTree => readJson(file) as RtdbTree;
const readState = (file: string): { status: string } => readJson(file) as { status: string };
const statusReports = (h: TestHome): { status: string; cause: string }[] =>
  h.messages
    .map((m) => m.json as { command?: string; status: string; cause: string } | undefined)
    .filter((j) => j?.['command'] === 'status')
    .map((j) => ({ status: j!['status'], cause: j!['cause'] }));

/**
 * Runs the home twice on fresh devices from `device()`. The second run starts with the files the first
 * left; the backend's weather key, written by another writer meanwhile, must survive.
 */
async function restartOn(
  name: string,
  device: () => Promise<Pick<StartHomeOptions, 'link' | 'devices' | 'time'>>,
): Promise<TestHome> {
  const rtdbFile = path.join(dir, `${name}-realtimedb.json`);
  const stateFile = path.join(dir, `${name}-state.json`);
  home = await startHome({ ...(await device()), rtdbFile, stateFile });
  await home.send('019160210');
  await home.send('009060210');
  await home.expectStatus(STORED);
  await home.close();
  home = undefined;
  expect(readRtdb(rtdbFile)['smarthome']['status']).toBe(STORED);
  expect(readState(stateFile)['status']).toBe(STORED);
  const tree = readRtdb(rtdbFile);
  tree['sensor']['openweather']['icon'] = '10d';
  writeFileSync(rtdbFile, JSON.stringify(tree, null, 4));

  home = await startHome({ ...(await device()), rtdbFile, stateFile });
  expect(home.runtime.restored).toMatchObject({ status: STORED, from: 'rtdb-file' });
  await home.expectStatus(STORED);
  // Asked now, the device itself (the board's own status, not the bridge's memory) says so.
  expect(await home.link.requestStatus()).toBe(STORED);
  await home.runtime.rtdb!.flush();
  await home.runtime.stateFile!.flush();
  expect(readRtdb(rtdbFile)['smarthome']['status']).toBe(STORED);
  expect(readRtdb(rtdbFile)['sensor']['openweather']['icon']).toBe('10d');
  expect(readState(stateFile)['status']).toBe(STORED);
  expect(statusReports(home).some((r) => r.status === '000000000')).toBe(false);
  return home;
}

describe('restart on the emulated link', () => {
  it('a home built before the restore is brought back by commands, reported once with cause restore', async () => {
    const h = await restartOn('emulated', async () => ({}));
    expect(statusReports(h)[0]).toEqual({ status: STORED, cause: 'restore' });
    await h.advance('1.5s');
    expect(h.outputs()).toMatchObject({ fanDuty: 0, gasValveOpen: false, windowAngle: 110 });
  });

  it('as `run` builds it, the emulated home boots straight into the stored status, window already open', async () => {
    const rtdbFile = path.join(dir, 'emulated-run-realtimedb.json');
    writeFileSync(rtdbFile, JSON.stringify({ smarthome: { status: STORED }, sensor: { hometemp: { rain: '0' } } }));
    const config = parseDevicesConfig({ bus: { healthPeriodMs: 0 } });
    const runtime = await startRuntime({
      config,
      link: { kind: 'emulated' },
      clock: new VirtualClock(0),
      logger: silentLogger(),
      embeddedBroker: { port: 0 },
      rtdbFile,
    });
    cleanups.push(() => runtime.stop());
    expect(runtime.restored).toMatchObject({ status: STORED, from: 'rtdb-file' });
    expect(runtime.link.status).toBe(STORED);
    expect((runtime.link as EmulatedLink).home.outputs().windowAngle).toBe(110);
    await runtime.rtdb!.flush();
    expect(readRtdb(rtdbFile)['smarthome']['status']).toBe(STORED);
  });
});

describe('restart on the firmware link (our sketch on the emulated Uno)', () => {
  it('the board boots off; the bridge brings it back and reports it once, with cause restore', async () => {
    const h = await restartOn('firmware', async () => ({ link: 'firmware' }));
    expect(statusReports(h)[0]).toEqual({ status: STORED, cause: 'restore' });
    expect(statusReports(h).filter((r) => r.cause === 'restore')).toHaveLength(1);
    await h.advance('1.5s');
    expect(h.outputs()).toMatchObject({ fanDuty: 0, gasValveOpen: false, windowAngle: 110 });
  }, 120_000);
});

describe('restart on the Firmata link (StandardFirmata on the emulated Uno)', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await standardFirmata();
  }, FETCH_TIMEOUT_MS);

  it('every pin is brought back after the handshake: servo open, fan and light off, gas closed', async () => {
    const h = await restartOn('firmata', async () => {
      const rig = await FirmataRig.create();
      cleanups.push(() => rig.close());
      return { link: rig.link, devices: rig.config };
    });
    expect(statusReports(h)[0]).toEqual({ status: STORED, cause: 'restore' });
    await h.advance('1.5s');
    expect(h.outputs()).toMatchObject({ fanDuty: 0, gasValveOpen: false, windowAngle: 110 });
  });
});

const haveSocat = socatAvailable();
if (!haveSocat && inCI())
  throw new Error('socat is required in CI for the pseudo-terminal tests (apt-get install socat)');

describe.runIf(haveSocat)('restart on the serial link (virtual-arduino on a pseudo-terminal)', () => {
  it('a board that was power-cycled is brought back over the line protocol', async () => {
    const ptyDir = await mkdtemp(path.join(tmpdir(), 'restart-pty-'));
    cleanups.push(() => rm(ptyDir, { recursive: true, force: true }));
    const port = path.join(ptyDir, 'ttyUNO');
    let cli: CliRun | undefined;
    // Each run gets a board started afresh (opening a pty does not reset the board; a new process does).
    const freshBoard = async (): Promise<Pick<StartHomeOptions, 'link'>> => {
      if (cli) await stopCli(cli);
      cli = startCli(['virtual-arduino', '--link', port]);
      const started = cli;
      cleanups.push(() => stopCli(started));
      await expect.poll(() => started.stdout(), { timeout: 60_000, interval: 100 }).toContain('Ctrl-C to stop');
      return { link: { kind: 'serial', port } };
    };
    const h = await restartOn('serial', freshBoard);
    expect(statusReports(h)[0]).toEqual({ status: STORED, cause: 'restore' });
  }, 180_000);
});

async function stopCli(cli: CliRun): Promise<void> {
  cli.kill('SIGTERM');
  await Promise.race([cli.exited, new Promise((r) => setTimeout(r, 5000))]);
  cli.kill();
}
