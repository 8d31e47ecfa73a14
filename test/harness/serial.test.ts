import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { shippedDevicesConfig } from '../../src/config/load.js';
import { isBridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { RealClock } from '../../src/environment/clock.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';
import { createLink } from '../../src/links/create.js';
import { SerialTap } from '../../src/recording/serial-tap.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { REPO_ROOT } from '../support/brokers.js';
import { FakeBoard } from '../support/fake-board.js';
import { requireSocat, startPtyPair, type PtyPair } from '../support/socat.js';

let dir: string;
let pair: PtyPair | undefined;
let board: FakeBoard | undefined;
let tap: SerialTap | undefined;
let home: TestHome | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'serial-faults-'));
});
afterEach(async () => {
  await home?.close();
  await tap?.stop();
  await board?.stop();
  await pair?.kill();
  await rm(dir, { recursive: true, force: true });
  home = tap = board = pair = undefined;
});

/** The serial link to a fake board behind a serial tap, the board switched on once the link listens. */
async function serialHome(): Promise<TestHome> {
  pair = await startPtyPair(join(dir, 'ttyTap'), join(dir, 'ttyBoard'));
  board = new FakeBoard({ path: pair.b, config: shippedDevicesConfig() });
  tap = await SerialTap.open({ port: pair.a, baudRate: 115_200, pty: { link: join(dir, 'ttyBridge') } });
  const link = await createLink(
    { kind: 'serial', port: tap.hostPath! },
    { config: shippedDevicesConfig(), clock: new RealClock(), logger: silentLogger() },
  );
  link.once('state', () => setTimeout(() => void board!.open().then(() => board!.boot()), 100));
  return startHome({ link, linkFaults: tap });
}

describe.skipIf(!requireSocat())('example scenarios on the serial link', () => {
  it.each(['android-toggle.yaml', 'backend-schedule.yaml', 'emergency-broadcast.yaml'])(
    '%s passes against a board on a serial port (initial status set by commands)',
    async (file) => {
      pair = await startPtyPair(join(dir, 'ttyHost'), join(dir, 'ttyBoard'));
      board = new FakeBoard({ path: pair.b, config: shippedDevicesConfig() });
      await board.open();
      // The board does not reset when the link opens the port: the link probes it with PING (2.5 s).
      const r = await runScenario(await loadScenario(join(REPO_ROOT, 'examples', file)), {
        link: { kind: 'serial', port: pair.a },
      });
      expect(r.failure?.message ?? r.setupError?.message).toBeUndefined();
    },
    30_000,
  );
});

describe.skipIf(!requireSocat())('faults on the serial link, through a serial tap', () => {
  it('serial-garbage is reported as dropped lines and the link keeps serving', async () => {
    home = await serialHome();
    await home.fault('serial-garbage');
    await home.expectMessage({
      topic: 'webos/report/smarthome/error',
      fields: { command: 'error', source: 'device', code: 'LINE_GARBLED' },
    });
    await home.expectMessage({ topic: 'webos/report/smarthome/error', fields: { code: 'LINE_CHECKSUM' } });
    await home.send('016155010');
    await home.expectMessage({ fields: { command: 'ack', status: '016155010' } });
    expect(home.link.counters()['garbled']).toBeGreaterThan(0);
  });

  it('unplug makes the device unavailable; replug brings it back and the status is read again', async () => {
    home = await serialHome();
    await home.send('016155010');
    await home.fault('unplug');
    await home.expectMessage({ topic: 'webos/report/smarthome/error', fields: { code: 'PORT_UNAVAILABLE' } });
    expect(home.link.state).toBe('disconnected');
    await home.send('022222221');
    await home.expectMessage({ topic: 'webos/report/smarthome/error', fields: { code: 'LINK_NOT_READY' } });
    await home.fault('replug');
    // The fake board cannot be reset through a pty: the link finds it again by PING (after its boot
    // wait) and reads its status.
    await home.advance('4s');
    expect(home.link.state).toBe('ready');
    await home.send('022222221');
    await home.expectMessage({ fields: { command: 'ack', request: '022222221', status: '016155011' } });
  }, 30_000);

  it('board-reset needs DTR, which a pty peer does not have: refused with the reason', async () => {
    home = await serialHome();
    // On a real Uno the DTR pulse resets the board; a pty refuses the ioctl.
    const err = await home.fault('board-reset').catch((e: unknown) => e);
    expect(isBridgeError(err, 'FAULT_UNSUPPORTED')).toBe(true);
    expect((err as Error).message).toMatch(/^cannot reset the board on \S+ttyTap through DTR: .*Inappropriate ioctl/);
    // The link is unharmed.
    await home.send('016155010');
    await home.expectMessage({ fields: { command: 'ack', status: '016155010' } });
  });

  it('startHome can put the tap in front of a serial port itself', async () => {
    pair = await startPtyPair(join(dir, 'ttyTap'), join(dir, 'ttyBoard'));
    board = new FakeBoard({ path: pair.b, config: shippedDevicesConfig() });
    await board.open();
    // No BOOT reaches the link here: it probes the board with PING after its boot wait (2.5 s).
    home = await startHome({ link: { kind: 'serial', port: pair.a }, serialTap: true });
    expect(home.link.kind).toBe('serial');
    await home.fault('serial-garbage', { bytes: 'NOISE*00\n' });
    await home.expectMessage({ topic: 'webos/report/smarthome/error', fields: { code: 'LINE_CHECKSUM' } });
  }, 20_000);
});
