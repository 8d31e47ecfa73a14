/**
 * The virtual smarthome end to end: the runtime with the emulated link behind the embedded broker, seen
 * through a real mqtt.js client; then the real CLI as a process (will on SIGKILL, clean SIGTERM, send).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isBridgeError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { parseDevicesConfig } from '../../src/config/load.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/bus/embedded-broker.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { MqttRecorder, type Seen } from '../support/mqtt-recorder.js';
import { runCli, startCli } from '../support/cli-process.js';

// Error reports are rate-limited per second; this suite sends its bad payloads back to back.
const config = parseDevicesConfig({ bus: { maxErrorReportsPerSecond: 1000, healthPeriodMs: 0 } });
const routes = config.bus.routes;
const CLI_TIMEOUT = { timeout: 90_000 };

let runtime: Runtime;
let bus: MqttRecorder;
/** Everything the test itself put on the bus, to tell it from what the bridge published. */
const sent: { topic: string; payload: string }[] = [];

async function send(topic: string, payload: string): Promise<number> {
  const mark = bus.mark();
  sent.push({ topic, payload });
  await bus.publish(topic, payload);
  return mark;
}
const fromBridge = (m: Seen): boolean => m.json?.['Producer'] === 'smarthome';
const ackOf = (request: string) => (m: Seen) =>
  fromBridge(m) && m.json!['command'] === 'ack' && m.json!['request'] === request;
const errorFor = (code: string) => (m: Seen) =>
  fromBridge(m) && m.json!['command'] === 'error' && m.json!['code'] === code;

/** Puts the home in a known state and waits for everything the bridge says about it (ack and status report). */
async function settleAt(command: string): Promise<void> {
  const mark = await send('webos/smarthome/info', command);
  const ack = await bus.next(ackOf(command), mark);
  if (ack.json!['changed'])
    await bus.next(
      (m) =>
        fromBridge(m) &&
        m.json!['command'] === 'status' &&
        m.json!['cause'] === 'command' &&
        m.json!['status'] === ack.json!['status'],
      mark,
    );
}

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
  await bus?.close();
  await runtime?.stop();
});

describe('commands over the embedded broker', () => {
  beforeAll(() => settleAt('000000000'));

  // The order of the two (report first) is tested on every broker in test/e2e/support/bus-suite.ts.
  it('016155010 → a status report and an ack, on the configured topics with QoS and retain as configured', async () => {
    const mark = await send('webos/smarthome/info', '016155010');
    const ack = await bus.next(ackOf('016155010'), mark);
    const status = await bus.next(
      (m) => fromBridge(m) && m.json!['command'] === 'status' && m.json!['status'] === '016155010',
      mark,
    );
    expect(status.topic).toBe(routes.status.topic);
    expect(status.qos).toBe(routes.status.qos);
    expect(status.json).toMatchObject({
      Producer: 'smarthome',
      command: 'status',
      home: 'smarthome',
      status: '016155010',
      cause: 'command',
      mode: 0,
      aircon: { on: true, power: 6 },
      light: { on: true, brightness: 5, colour: 5, effect: 0 },
      windowOpen: true,
      gasValveOpen: false,
    });
    expect(new Date(String(status.json!['time'])).toISOString()).toBe(status.json!['time']);
    expect(ack.topic).toBe(routes.ack.topic);
    expect(ack.qos).toBe(routes.ack.qos);
    expect(ack.retain).toBe(false);
    expect(ack.json).toMatchObject({
      Producer: 'smarthome',
      command: 'ack',
      home: 'smarthome',
      request: '016155010',
      status: '016155010',
      changed: true,
    });
    expect(ack.json).not.toHaveProperty('id');
    expect(typeof ack.json!['latencyMs']).toBe('number');

    // Retained as configured: a subscriber arriving later learns the status at once.
    const late = await MqttRecorder.connect(runtime.brokerUrl, [routes.status.topic]);
    const retained = await late.next((m) => m.json?.['command'] === 'status');
    expect(retained.retain).toBe(routes.status.retain);
    expect(retained.json!['status']).toBe('016155010');
    await late.close();
  });

  it('the same command again is acknowledged as unchanged, without a status report', async () => {
    const mark = await send('webos/smarthome/info', '016155010');
    const ack = await bus.next(ackOf('016155010'), mark);
    expect(ack.json).toMatchObject({ status: '016155010', changed: false });
    // A status report would come before the answer to a later request.
    const probe = await send('webos/smarthome/info', '{"command":"status","id":"p"}');
    await bus.next((m) => fromBridge(m) && m.json!['command'] === 'status' && m.json!['cause'] === 'request', probe);
    expect(
      bus.since(mark).filter((m) => fromBridge(m) && m.json!['command'] === 'status' && m.json!['cause'] !== 'request'),
    ).toEqual([]);
  });

  it('accepts Android’s bare webos/smarthome topic', async () => {
    const mark = await send('webos/smarthome', '022255021');
    const ack = await bus.next(ackOf('022255021'), mark);
    expect(ack.json!['status']).toBe('016155011');
    expect(runtime.link.status).toBe('016155011');
  });

  it.each([
    ['a string id', '"car-7"', 'car-7'],
    ['a number id', '42', 42],
  ])('answers a JSON command with %s with an ack carrying that id', async (_what, idJson, id) => {
    const mark = await send(
      'webos/smarthome/info',
      `{"Producer":"car","command":"control","gasValve":"close","id":${idJson}}`,
    );
    const ack = await bus.next((m) => fromBridge(m) && m.json!['command'] === 'ack' && m.json!['id'] === id, mark);
    expect(ack.json).toMatchObject({ request: '022255020', status: '016155010', id });
  });

  it('answers a status request with an ack and a status report (cause request)', async () => {
    const mark = await send('webos/smarthome/info', '{"command":"status","id":"s-1"}');
    const ack = await bus.next(ackOf('status'), mark);
    expect(ack.json).toMatchObject({ id: 's-1', status: '016155010', changed: false });
    const report = await bus.next(
      (m) => fromBridge(m) && m.json!['command'] === 'status' && m.json!['cause'] === 'request',
      mark,
    );
    expect(report.json!['status']).toBe('016155010');
  });
});

describe('bad payloads', () => {
  const topic = 'webos/smarthome/info';
  beforeAll(() => settleAt('016155010'));

  it.each([
    ['8 digits', '01615501', ErrorCode.STATUS_LENGTH, undefined, /8/],
    ['colour 9', '016159010', ErrorCode.STATUS_RANGE, undefined, /position 5/],
    ['{nice}', '{nice}', ErrorCode.PAYLOAD_NOT_JSON, undefined, /JSON/],
    ['cut-off JSON', '{"command":"control","id":"j1"', ErrorCode.PAYLOAD_NOT_JSON, undefined, /JSON/],
    ['an unknown command', '{"command":"reboot","id":"u1"}', ErrorCode.COMMAND_UNKNOWN, 'u1', /reboot/],
    ['a wrong type', '{"command":"control","aircon":"on","id":9}', ErrorCode.PAYLOAD_INVALID, 9, /\/aircon/],
    [
      'an unknown field',
      '{"command":"control","fan":1,"id":"f"}',
      ErrorCode.PAYLOAD_INVALID,
      'f',
      /unknown field "fan"/,
    ],
    ['a 100 kB payload', '0'.repeat(100_000), ErrorCode.PAYLOAD_TOO_LARGE, undefined, /100000 bytes/],
  ])(
    '%s → an error report with code, reason and id when known; the next good command is served',
    async (_what, payload, code, id, reason) => {
      const mark = await send(topic, payload);
      const err = await bus.next(errorFor(code), mark);
      expect(err.topic).toBe(routes.error.topic);
      expect(err.qos).toBe(routes.error.qos);
      expect(err.json).toMatchObject({
        Producer: 'smarthome',
        command: 'error',
        home: 'smarthome',
        code,
        source: topic,
      });
      expect(String(err.json!['reason'])).toMatch(reason);
      if (id === undefined) expect(err.json).not.toHaveProperty('id');
      else expect(err.json!['id']).toBe(id);
      // The payload itself, cut at 64 characters: escaped once (by JSON), not twice.
      expect(err.json!['excerpt']).toBe(payload.length > 64 ? `${payload.slice(0, 64)}…` : payload);
      expect(runtime.link.status).toBe('016155010');

      const next = await send(topic, `{"command":"control","light":{"brightness":${payload.length % 9}},"id":"after"}`);
      const ack = await bus.next(
        (m) => fromBridge(m) && m.json!['command'] === 'ack' && m.json!['id'] === 'after',
        next,
      );
      expect(String(ack.json!['status'])[3]).toBe('1');
      await settleAt('016155010');
    },
  );

  it('text on webos/smarthome/error and …/warning is neither applied nor answered', async () => {
    const mark = await send('webos/smarthome/error', '022222221');
    await send('webos/smarthome/warning', '에러: smarthome 핸들러가 없습니다');
    await send('webos/smarthome/error', '{"command":"control","gasValve":"open","id":"e"}');
    const probe = await send('webos/smarthome/info', '{"command":"status","id":"probe"}');
    await bus.next((m) => fromBridge(m) && m.json!['command'] === 'ack' && m.json!['id'] === 'probe', probe);
    await bus.next((m) => fromBridge(m) && m.json!['command'] === 'status' && m.json!['cause'] === 'request', probe);
    const answers = bus.since(mark).filter(fromBridge);
    expect(
      answers.map((m) => `${String(m.json!['command'])} ${String(m.json!['cause'] ?? m.json!['id'])}`).sort(),
    ).toEqual(['ack probe', 'status request']);
    expect(runtime.link.status).toBe('016155010');
  });

  it('never publishes anything under webos/smarthome/… itself', () => {
    const underCommands = bus.seen.filter(
      (m) => m.topic === 'webos/smarthome' || m.topic.startsWith('webos/smarthome/'),
    );
    const unexpected = underCommands.filter((m) => !sent.some((s) => s.topic === m.topic && s.payload === m.text));
    expect(unexpected).toEqual([]);
    expect(underCommands.length).toBe(sent.length);
    expect(bus.seen.filter(fromBridge).length).toBeGreaterThan(10);
  });
});

describe('the real CLI as a process', () => {
  let broker: EmbeddedBroker;
  let watcher: MqttRecorder;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ port: 0 });
    watcher = await MqttRecorder.connect(broker.url, [routes.availability.topic]);
  });
  afterAll(async () => {
    await watcher?.close();
    await broker?.close();
  });
  const availability = (state: string) => (m: Seen) =>
    m.json?.['command'] === 'availability' && m.json['state'] === state;

  it('announces offline through its will when it dies abruptly (SIGKILL)', CLI_TIMEOUT, async () => {
    const mark = watcher.mark();
    const cli = startCli(['--broker', broker.url, '--log-level', 'warn', '--client-id', 'bridge-kill']);
    try {
      const online = await watcher.next(availability('online'), mark, 45_000, 'online availability');
      expect(online.json).toMatchObject({ Producer: 'smarthome', home: 'smarthome', link: 'emulated' });
      const before = watcher.mark();
      cli.kill('SIGKILL');
      expect((await cli.exited).signal).toBe('SIGKILL');
      const offline = await watcher.next(availability('offline'), before, 10_000, 'offline will message');
      expect(offline.topic).toBe(routes.availability.topic);
    } finally {
      cli.kill();
    }
  });

  it('publishes offline and exits 0 on SIGTERM', CLI_TIMEOUT, async () => {
    const mark = watcher.mark();
    const cli = startCli(['--broker', broker.url, '--log-level', 'warn', '--client-id', 'bridge-term']);
    try {
      await watcher.next(availability('online'), mark, 45_000, 'online availability');
      const before = watcher.mark();
      cli.kill('SIGTERM');
      expect(await cli.exited).toEqual({ code: 0, signal: null });
      await watcher.next(availability('offline'), before, 10_000, 'offline availability');
      expect(cli.stderr()).toBe('');
    } finally {
      cli.kill();
    }
  });

  it('a second bridge with the same client id stops with one line naming the id (exit 2); the first keeps serving', {
    timeout: 150_000,
  }, async () => {
    const mark = watcher.mark();
    const first = startCli(['--broker', broker.url, '--log-level', 'silent', '--client-id', 'bridge-twin']);
    let second: ReturnType<typeof startCli> | undefined;
    try {
      await watcher.next(availability('online'), mark, 60_000, 'online availability of the first');
      // The first has been serving for a while when the second comes (as after following a suggestion).
      await new Promise((r) => setTimeout(r, 3000));
      second = startCli(['--broker', broker.url, '--log-level', 'silent', '--client-id', 'bridge-twin']);
      const exit = await second.exited;
      expect(exit.code).toBe(2);
      expect(second.stderr().trim().split('\n')).toEqual([
        expect.stringMatching(/^smarthome-bridge: .*same client id "bridge-twin".*--client-id bridge-twin-2/),
      ]);
      // The first is not knocked off any more: it answers a command.
      const r = await runCli(['send', '{"command":"status"}', '--broker', broker.url, '--timeout', '20s']);
      expect(r.code).toBe(0);
      expect(first.child.exitCode).toBeNull();
      expect(first.stderr()).toBe('');
    } finally {
      second?.kill();
      first.kill();
    }
  });

  it('send 016155010 exits 0 and prints the ack and the decoded status', CLI_TIMEOUT, async () => {
    const r = await runCli(['send', '016155010', '--broker', runtime.brokerUrl, '--timeout', '20s']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ack: 016155010 → 016155010');
    expect(r.stdout).toContain(
      'status 016155010: mode individual, aircon on (power 6), light on (purple, brightness 5, normal), window ' +
        'open, gas valve closed',
    );
  });

  it('send 01615501 exits 1 with the error', CLI_TIMEOUT, async () => {
    const r = await runCli(['send', '01615501', '--broker', runtime.brokerUrl, '--timeout', '20s']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error STATUS_LENGTH: .*8/);
  });

  it('send with no bridge listening exits 3 after its timeout', CLI_TIMEOUT, async () => {
    const started = Date.now();
    const r = await runCli(['send', '016155010', '--broker', broker.url, '--timeout', '1s']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no acknowledgement within 1s');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('send --timeout 2 is two seconds (a bare number is seconds)', CLI_TIMEOUT, async () => {
    const started = Date.now();
    const r = await runCli(['send', '016155010', '--broker', broker.url, '--timeout', '2']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(`no acknowledgement within 2s: is a smarthome-bridge serving on ${broker.url}?`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  });

  // Answers without an id the CLI could add: told by the topic they came from and the excerpt.
  it.each([
    ['cut-off JSON', '{"bad":', ErrorCode.PAYLOAD_NOT_JSON],
    ['long text that is not JSON (the excerpt is cut)', `{${'x'.repeat(100)}`, ErrorCode.PAYLOAD_NOT_JSON],
    ['text that is no command', '[1,2]', ErrorCode.STATUS_LENGTH],
    ['JSON with an id the bridge cannot echo', '{"command":"control","fan":1,"id":-5}', ErrorCode.PAYLOAD_INVALID],
    // The CLI adds an id to a JSON object and knows the answer by it.
    ['an unknown command', '{"command":"reboot"}', ErrorCode.COMMAND_UNKNOWN],
  ])('send %s prints the bridge’s error and exits 1', CLI_TIMEOUT, async (_what, payload, code) => {
    const mark = bus.mark();
    const r = await runCli(['send', payload, '--broker', runtime.brokerUrl, '--timeout', '20s']);
    expect(r.stderr.trim()).toMatch(new RegExp(`^error ${code}: `));
    expect(r.code).toBe(1);
    // What the bus saw: the payload as typed (or with the added id), and one error report for it.
    const seen = bus.since(mark).filter((m) => m.topic === 'webos/smarthome/info');
    expect(seen).toHaveLength(1);
    if (payload !== '{"command":"reboot"}') expect(seen[0]!.text).toBe(payload);
    else expect(JSON.parse(seen[0]!.text)).toMatchObject({ command: 'reboot', id: expect.stringMatching(/^send-/) });
  });
});

describe('embedded broker on a busy port', () => {
  it('fails with BROKER_PORT_BUSY and suggests --broker', async () => {
    const first = await startEmbeddedBroker({ port: 0 });
    try {
      const attempt = await startEmbeddedBroker({ port: first.port }).then(
        async (b) => {
          await b.close();
          throw new Error('a second broker started on a busy port');
        },
        (e: unknown) => e,
      );
      expect(isBridgeError(attempt, ErrorCode.BROKER_PORT_BUSY)).toBe(true);
      expect((attempt as Error).message).toContain(`--broker mqtt://127.0.0.1:${first.port}`);
      // Following the suggestion must not start a second bridge with the first one's client id.
      expect((attempt as Error).message).toMatch(/--client-id smarthome-bridge-2/);
      expect((attempt as Error).message).toContain('--broker-port');

      const viaRuntime = await startRuntime({
        config,
        link: { kind: 'emulated' },
        logger: silentLogger(),
        embeddedBroker: { port: first.port },
      }).then(
        async (r) => {
          await r.stop();
          throw new Error('a runtime started its broker on a busy port');
        },
        (e: unknown) => e,
      );
      expect(isBridgeError(viaRuntime, ErrorCode.BROKER_PORT_BUSY)).toBe(true);
    } finally {
      await first.close();
    }
  });
});
