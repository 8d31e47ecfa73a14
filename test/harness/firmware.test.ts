import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shippedDevicesConfig } from '../../src/config/load.js';
import { isBridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { RealClock } from '../../src/environment/clock.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';
import { createLink, type LinkSpec } from '../../src/links/create.js';
import { hasFaultInjection, LINK_FAULTS } from '../../src/links/faults.js';
import type { Link } from '../../src/links/link.js';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { REPO_ROOT } from '../support/brokers.js';

/**
 * The harness on the firmware link: our sketch on an emulated Uno, the room wired to its pins. The
 * board runs unpaced, on its own clock, which the harness waits on. A firmware link that cannot be
 * built (no committed .hex, a broken factory) fails these tests; it never turns them into todos.
 */
const SPEC: LinkSpec = { kind: 'firmware', pacing: 'unpaced' };
const config = shippedDevicesConfig();
const newLink = (): Promise<Link> => createLink(SPEC, { config, clock: new RealClock(), logger: silentLogger() });

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

describe('the harness on the firmware link', () => {
  it('runs every step kind', async () => {
    home = await startHome({ link: await newLink() });
    expect(home.link.kind).toBe('firmware');
    await home.expectStatus('000000000');
    await home.send('016155010');
    await home.expectMessage({ fields: { command: 'ack', status: '016155010' } });
    await home.set({ raining: true, indoorTemperature: 24, indoorHumidity: 50 });
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain', rain: 1 } }, { within: '3s' });
    await home.press('gas');
    await home.expectStatus('016155011', { within: '1s' });
    await home.pushWindow(false);
    await home.expectMessage({ fields: { command: 'event', event: 'window', open: false } }, { within: '3s' });
    await home.advance('1s');
    expect(home.outputs().gasValveOpen).toBe(true);
  });

  it('a broker outage queues reports until the restore', async () => {
    home = await startHome({ link: await newLink() });
    await home.fault('broker-outage');
    await home.advance('3s');
    await home.fault('broker-restore');
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain' } }, { within: 0 });
  });

  it.each(LINK_FAULTS)(
    '%s is injected if the link offers it, else refused naming the link; the link keeps serving',
    async (fault) => {
      const link = await newLink();
      home = await startHome({ link });
      const offered = hasFaultInjection(link) && link.faults.supported.includes(fault);
      const err = await home.fault(fault).catch((e: unknown) => e);
      if (offered) expect(err).toBeUndefined();
      else
        expect(
          isBridgeError(err, 'FAULT_UNSUPPORTED') && (err as Error).message.includes('link firmware cannot inject'),
        ).toBe(true);
      if (fault === 'unplug') await home.fault('replug').catch(() => undefined);
      await home.advance('5s');
      await home.send('012255022');
      await home.expectMessage({ fields: { command: 'ack', request: '012255022' } }, { within: '5s' });
    },
  );

  it.each(readdirSync(path.join(REPO_ROOT, 'examples')).filter((f) => f.endsWith('.yaml')))(
    'examples/%s passes',
    async (file) => {
      const r = await runScenario(await loadScenario(path.join(REPO_ROOT, 'examples', file)), { link: SPEC });
      expect(r.failure?.message ?? r.setupError?.message).toBeUndefined();
    },
  );
});
