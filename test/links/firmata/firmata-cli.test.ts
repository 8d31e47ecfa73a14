import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/bus/embedded-broker.js';
import { DEFAULT_DEVICES_PATH } from '../../../src/config/load.js';
import { runCli, startCli } from '../../support/cli-process.js';
import { startPtyPair } from '../../support/socat.js';
import { FETCH_TIMEOUT_MS, standardFirmata } from './support/standard-firmata.js';

// `smarthome-bridge --link firmata` as a user runs it, with `--port avr:<StandardFirmata hex>` standing
// in for /dev/ttyACM0: the emulated Uno runs StandardFirmata in real time behind serialport 13.

const CLI_TIMEOUT = { timeout: 180_000 };
let broker: EmbeddedBroker;
let hex: string;
let dir: string;

beforeAll(async () => {
  hex = (await standardFirmata()).path;
  broker = await startEmbeddedBroker({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'firmata-cli-'));
}, FETCH_TIMEOUT_MS);
afterAll(async () => {
  await broker?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function until(pred: () => boolean, wallMs: number): Promise<void> {
  const deadline = Date.now() + wallMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('smarthome-bridge --link firmata', () => {
  it('serves the bus: send 016155010 is acknowledged; SIGTERM stops it cleanly', CLI_TIMEOUT, async () => {
    const cli = startCli([
      '--link',
      'firmata',
      '--port',
      `avr:${hex}`,
      '--broker',
      broker.url,
      '--log-level',
      'warn',
      '--client-id',
      'bridge-firmata',
    ]);
    try {
      await until(() => cli.stdout().includes('serving') || cli.child.exitCode !== null, 90_000);
      expect(cli.stdout(), `bridge stderr: ${cli.stderr()}`).toContain('(link firmata)');
      const r = await runCli(['send', '016155010', '--broker', broker.url, '--timeout', '30s']);
      const said = `send: ${JSON.stringify(r)}\nbridge stderr: ${cli.stderr()}`;
      expect(r.code, said).toBe(0);
      expect(r.stderr, said).toBe('');
      expect(r.stdout, said).toContain('ack: 016155010 → 016155010');
      cli.kill('SIGTERM');
      expect(await cli.exited, `bridge stderr: ${cli.stderr()}`).toEqual({ code: 0, signal: null });
    } finally {
      cli.kill();
    }
  });

  it(
    'refuses a devices.json whose Firmata temperature part StandardFirmata cannot read (exit 2, naming the field)',
    CLI_TIMEOUT,
    async () => {
      const devices = JSON.parse(await readFile(DEFAULT_DEVICES_PATH, 'utf8')) as {
        sensors: { climate: { firmata: { temperature: { part: string } } } };
      };
      devices.sensors.climate.firmata.temperature.part = 'dht11';
      const file = join(dir, 'devices.json');
      await writeFile(file, JSON.stringify(devices));
      const r = await runCli(['--link', 'firmata', '--port', `avr:${hex}`, '--devices', file, '--broker', broker.url]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/sensors\/climate\/firmata\/temperature\/part/);
    },
  );

  it(
    'names the likely causes when nothing on the port speaks Firmata (exit 2 after 10 s, FIRMATA_TIMEOUT)',
    CLI_TIMEOUT,
    async () => {
      // A pseudo-terminal whose other end stays silent: a port with no StandardFirmata behind it.
      const pty = await startPtyPair(join(dir, 'ttyA'), join(dir, 'ttyB'));
      try {
        const r = await runCli([
          '--link',
          'firmata',
          '--port',
          pty.a,
          '--broker',
          broker.url,
          '--client-id',
          'bridge-firmata-silent',
        ]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(
          /no Firmata answer on .*ttyA within 10000 ms.*wrong port.*StandardFirmata not flashed.*57600/s,
        );
      } finally {
        await pty.kill();
      }
    },
  );
});
