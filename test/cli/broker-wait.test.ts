/**
 * `run` against a broker that is not there (a closed loopback port), one that never answers (a local
 * listener that accepts TCP and stays silent), and one that comes later: one "waiting for broker" line
 * with the reason, retries with backoff, no "serving" line before the first CONNACK, --connect-timeout
 * ending the wait with exit 2 and the last reason (0: waiting for ever). The real CLI as a process.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { runCli, startCli, type CliRun } from '../support/cli-process.js';

const CLI = { timeout: 120_000 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** JSON log lines of a CLI's stderr (other lines are the CLI's own one-line messages). */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('run without a broker to talk to', () => {
  it(
    'a closed port: one "waiting for broker" warning with the reason, backoff, no serving line, exit 2 at ' +
      '--connect-timeout',
    CLI,
    async () => {
      const port = await closedPort();
      const r = await runCli([
        'run',
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--connect-timeout',
        '4s',
        '--client-id',
        `wait-closed-${process.pid}`,
        '--log-level',
        'debug',
      ]);
      expect(r.code).toBe(2);
      expect(r.stdout).not.toContain('serving');
      const ownLines = r.stderr.split('\n').filter((l) => l.startsWith('smarthome-bridge: '));
      expect(ownLines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^smarthome-bridge: no connection to broker mqtt://127\\.0\\.0\\.1:${port} within 4s ` +
              `\\(--connect-timeout; 0 waits for ever\\): connect ECONNREFUSED`,
          ),
        ),
      ]);
      const logs = logLines(r.stderr);
      const warnings = logs.filter((l) => Number(l['level']) >= 40);
      expect(warnings.map((l) => l['msg'])).toEqual([
        `waiting for broker mqtt://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}; retrying with backoff`,
      ]);
      // Each failed attempt waits twice as long as the one before.
      const waits = logs
        .filter((l) => l['part'] === 'bus' && typeof l['nextAttemptMs'] === 'number')
        .map((l) => l['nextAttemptMs']);
      expect(waits.slice(0, 2)).toEqual([1000, 2000]);
    },
  );

  it('a port that accepts TCP and never answers: "no answer to CONNECT within N s", not "not MQTT"', CLI, async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => silent.close(() => r()));
    });
    const { port } = silent.address() as net.AddressInfo;
    const r = await runCli([
      'run',
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--connect-timeout',
      '3s',
      '--client-id',
      `wait-silent-${process.pid}`,
      '--log-level',
      'warn',
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('serving');
    expect(sockets.size).toBeGreaterThan(0);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(
      /^smarthome-bridge: no connection to broker .* within 3s .*: no answer to CONNECT within \d+(\.\d)? s$/,
    );
    expect(r.stderr).not.toMatch(/not MQTT/);
  });

  it(
    '--connect-timeout 0 waits for ever: the serving line comes with the broker; Ctrl-C then exits 130',
    CLI,
    async () => {
      const port = await closedPort();
      const cli: CliRun = startCli([
        'run',
        '--broker',
        `mqtt://127.0.0.1:${port}`,
        '--connect-timeout',
        '0',
        '--client-id',
        `wait-forever-${process.pid}`,
        '--log-level',
        'warn',
      ]);
      cleanups.push(() => cli.kill());
      let broker: EmbeddedBroker | undefined;
      cleanups.push(async () => void (await broker?.close()));
      await until('the waiting line', () => cli.stderr().includes('waiting for broker'));
      // Longer than the 30 s default would allow is too long for a test; past the 5 s the runtime waits
      // before it starts the home anyway is enough to show nothing is served and nothing gives up.
      await new Promise((r) => setTimeout(r, 7000));
      expect(cli.child.exitCode).toBeNull();
      expect(cli.stdout()).toBe('');
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
      await until('the serving line', () => cli.stdout().includes('serving'), 60_000);
      const serving = `smarthome-bridge serving smarthome (link emulated) on mqtt://127.0.0.1:${port}`;
      expect(cli.stdout().split('\n')[0]).toBe(serving);
      cli.kill('SIGINT');
      expect(await cli.exited).toEqual({ code: 130, signal: null });
    },
  );
});

describe('fleet on SIGINT', () => {
  it('stops every home and exits 130, as npx reports it (SIGTERM: 0, test/fleet/cli.test.ts)', CLI, async () => {
    const cli = startCli([
      'fleet',
      '--homes',
      '1',
      '--embedded',
      '--broker-port',
      '0',
      '--output',
      'json',
      '--interval',
      '200ms',
    ]);
    cleanups.push(() => cli.kill());
    await until('one home connected', () => /"connected":1/.test(cli.stdout()));
    cli.kill('SIGINT');
    expect(await cli.exited).toEqual({ code: 130, signal: null });
    expect(cli.stdout()).toContain('"final":true');
  });
});

describe('run --port with a link that has no port', () => {
  it.each(['emulated', 'firmware'])('--link %s --port X warns that the port is ignored', CLI, async (link) => {
    const port = await closedPort();
    const r = await runCli([
      'run',
      '--link',
      link,
      '--port',
      '/dev/ttyACM0',
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--connect-timeout',
      '1s',
      '--log-level',
      'warn',
    ]);
    const warning = logLines(r.stderr).find((l) => String(l['msg']).includes('--port'));
    expect(warning?.['msg']).toBe(
      `--port /dev/ttyACM0 is ignored: --link ${link} does not use a serial port (only serial and firmata do)`,
    );
    expect(r.code).toBe(2);
  });
});
