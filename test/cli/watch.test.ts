/**
 * `watch` as a process against a served home: JSON commands are decoded like reports, and the bridge's
 * error reports show the offending payload as it was sent (escaped by nobody on the way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { parseDevicesConfig } from '../../src/config/load.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { MqttRecorder } from '../support/mqtt-recorder.js';
import { startCli, type CliRun } from '../support/cli-process.js';

const config = parseDevicesConfig({ bus: { healthPeriodMs: 0 } });
let runtime: Runtime;
let bus: MqttRecorder;
let watch: CliRun | undefined;

beforeAll(async () => {
  runtime = await startRuntime({
    config,
    link: { kind: 'emulated' },
    logger: silentLogger(),
    embeddedBroker: { port: 0 },
  });
  bus = await MqttRecorder.connect(runtime.brokerUrl, ['#']);
});

afterAll(async () => {
  watch?.kill();
  await bus?.close();
  await runtime?.stop();
});

async function until(what: () => boolean, label: () => string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('smarthome-bridge watch', () => {
  it('decodes JSON commands and shows error excerpts unescaped', async () => {
    watch = startCli(['watch', '--broker', runtime.brokerUrl, '--topic', 'webos/#']);
    await until(
      () => watch!.stderr().includes('watching'),
      () => `watch to subscribe; stderr: ${watch!.stderr()}`,
    );
    await bus.publish('webos/smarthome/info', '{"Producer":"car","command":"control","window":"open","id":"42"}');
    await bus.publish('webos/smarthome/info', '{"bad":');
    const lines = (): string[] => watch!.stdout().split('\n');
    await until(
      () => lines().some((l) => l.includes('PAYLOAD_NOT_JSON')) && lines().some((l) => l.includes('ack id 42')),
      () => `the error report and the ack; stdout:\n${watch!.stdout()}`,
    );
    expect(lines().find((l) => l.includes('car control'))).toMatch(
      /webos\/smarthome\/info +car control id 42: window open$/,
    );
    expect(lines().find((l) => l.includes('not JSON'))).toMatch(/webos\/smarthome\/info +not JSON: \{"bad":$/);
    expect(lines().find((l) => l.includes('PAYLOAD_NOT_JSON'))).toMatch(
      /ERROR PAYLOAD_NOT_JSON: .* \(payload \{"bad":\)$/,
    );
    expect(watch.stdout()).not.toContain('\\"');
  }, 60_000);
});
