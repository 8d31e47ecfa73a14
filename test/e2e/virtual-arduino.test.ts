import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { inCI } from '../support/brokers.js';
import { startCli, type CliRun } from '../support/cli-process.js';
import { MqttRecorder, type Seen } from '../support/mqtt-recorder.js';
import { requireSocat } from '../support/socat.js';

/**
 * `smarthome-bridge virtual-arduino` as a process: our firmware on an emulated Uno behind a real
 * pseudo-terminal, real time; a bridge with the serial link opens that pty like a USB Arduino and
 * serves it on an embedded broker.
 */
const haveSocat = requireSocat();
if (!haveSocat && inCI())
  throw new Error('socat is required in CI for the pseudo-terminal tests (apt-get install socat)');

// Every reading published (mode period): the test waits for the board's next rain reading.
const config = parseDevicesConfig({ bus: { healthPeriodMs: 0, sensorReports: { mode: 'period' } } });
const fromBridge = (command: string) => (m: Seen) =>
  m.json?.['Producer'] === 'smarthome' && m.json['command'] === command;

let dir: string | undefined;
let cli: CliRun | undefined;
let runtime: Runtime | undefined;
let bus: MqttRecorder | undefined;
afterEach(async () => {
  await bus?.close();
  await runtime?.stop();
  if (cli) {
    // SIGTERM first, so the CLI kills its socat; SIGKILL only if it does not stop.
    cli.kill('SIGTERM');
    await Promise.race([cli.exited, new Promise((r) => setTimeout(r, 5000))]);
    cli.kill();
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  bus = runtime = cli = dir = undefined;
});

describe.runIf(haveSocat)('virtual-arduino', () => {
  it('serves a pty that the serial link drives: bus command → ack from the firmware; SIGTERM stops socat and ' +
    'removes the link', async () => {
    dir = await mkdtemp(join(tmpdir(), 'virtual-arduino-'));
    const link = join(dir, 'ttyUNO');
    cli = startCli(['virtual-arduino', '--symlink', link]);
    await expect.poll(() => cli!.stdout(), { timeout: 60_000, interval: 100 }).toContain('Ctrl-C to stop');
    expect(cli.stdout()).toMatch(/serial port: \/dev\/pts\/\d+/);
    expect(cli.stdout()).toContain(`symlink: ${link} -> /dev/pts/`);

    runtime = await startRuntime({
      config,
      link: { kind: 'serial', port: link },
      logger: silentLogger(),
      embeddedBroker: { host: '127.0.0.1', port: 0 },
    });
    expect(runtime.link.state).toBe('ready');
    bus = await MqttRecorder.connect(runtime.brokerUrl, ['webos/#']);
    const mark = bus.mark();
    await bus.publish('webos/smarthome/info', '016155010');
    const ack = await bus.next((m) => fromBridge('ack')(m) && m.json!['request'] === '016155010', mark, 10_000, 'ack');
    expect(ack.json).toMatchObject({ status: '016155010', changed: true });
    await bus.next((m) => fromBridge('status')(m) && m.json!['status'] === '016155010', mark, 10_000, 'status report');
    // The room is wired: the board reports rain every 2 s of board time (real time here).
    const rain = await bus.next(
      (m) => fromBridge('sensor')(m) && m.json!['sensor'] === 'rain',
      mark,
      10_000,
      'rain reading',
    );
    expect(rain.json).toMatchObject({ rain: 0 });

    await runtime.stop();
    runtime = undefined;
    cli.kill('SIGTERM');
    expect(await cli.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(link)).toBe(false);
  }, 120_000);
});
