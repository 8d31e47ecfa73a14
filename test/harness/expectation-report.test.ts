import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

const failure = async (p: Promise<unknown>): Promise<Error> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof Error)) throw new Error('the expectation did not fail');
  return e;
};

describe('a failing expectation explains itself', () => {
  it('expectStatus names the expected status, the statuses seen and the time waited', async () => {
    home = await startHome();
    await home.send('012255022', { topic: 'webos/smarthome' });
    const e = await failure(home.expectStatus('016155010', { within: '2s' }));
    expect(isBridgeError(e, 'EXPECTATION_FAILED')).toBe(true);
    const text = e.message;
    expect(text).toMatch(/^expectStatus failed after waiting 2s of home time \(\d+ms wall\)/);
    expect(text).toContain(
      'expected: status 016155010 (mode individual, aircon on (power 6), light on (purple, brightness 5, ' +
        'normal), window open, gas valve closed) on the bus',
    );
    expect(text).toContain('observed statuses (last first):');
    expect(text).toContain(
      '+0.000s 012000000 (ack): mode individual, aircon on (power 2), light off, window closed, gas valve closed',
    );
    expect(text).toContain('+0.000s 012000000 (command)');
    expect(text).toMatch(/\+0\.000s 000000000 \(boot\)/);
    expect(text).toContain('link status now: 012000000');
    expect(text).toMatch(/observed messages \(last \d+ of \d+, last first\):/);
    expect(text).toContain('webos/smarthome command 012255022: mode individual, aircon on (power 2), light kept');
    expect(text).toMatch(/\+2\.000s webos\/report\/smarthome\/info smarthome \[smarthome\] rain dry/);
    // The last status comes before older ones.
    expect(text.indexOf('012000000 (')).toBeLessThan(text.indexOf('000000000 (boot)'));
  });

  it('expectMessage names the topic and fields it wanted', async () => {
    home = await startHome();
    await home.send({ command: 'control', id: 'a1', light: true });
    const e = await failure(
      home.expectMessage(
        { topic: 'webos/report/smarthome/info', fields: { command: 'ack', id: '42' } },
        { within: '500ms' },
      ),
    );
    expect(e.message).toMatch(/^expectMessage failed after waiting 500ms of home time/);
    expect(e.message).toContain(
      'expected: a message on webos/report/smarthome/info with fields {"command":"ack","id":"42"}',
    );
    expect(e.message).toMatch(/ack id a1: 0221\d{5} → 0021\d{5}|ack id a1/);
    expect((e as { context?: Record<string, unknown> }).context?.['waitedMs']).toBe(500);
  });

  it('an expectation met in time passes without waiting longer', async () => {
    home = await startHome();
    const t0 = home.clock.now();
    await home.send('022222212');
    await home.expectStatus('0xxxxxx1x', { within: '10s' });
    expect(home.clock.now()).toBe(t0);
  });

  it('each message satisfies one expectation; an action starts a new window', async () => {
    home = await startHome();
    await home.send('016222222');
    await home.send('002222222');
    // Both acknowledgements are in the window opened by the first send.
    await home.expectMessage({ fields: { command: 'ack', request: '016222222' } }, { within: 0 });
    await home.expectMessage({ fields: { command: 'ack', request: '002222222' } }, { within: 0 });
    await expect(home.expectMessage({ fields: { command: 'ack' } }, { within: 0 })).rejects.toThrow(
      /expectMessage failed/,
    );
    await home.advance('10ms');
    // The boot status is before the new window.
    await expect(home.expectMessage({ fields: { cause: 'boot' } }, { within: 0 })).rejects.toThrow(
      /expectMessage failed/,
    );
  });

  it('rejects a status pattern that is not nine digits or x', async () => {
    home = await startHome();
    await expect(home.expectStatus('01615501')).rejects.toThrow(/not a status pattern/);
  });
});
