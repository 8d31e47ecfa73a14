import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDevicesConfig } from '../../src/config/load.js';
import type { DevicesConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/core/logger.js';
import type { LinkState } from '../../src/links/link.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { inCI } from '../support/brokers.js';
import { FakeBoard } from '../support/fake-board.js';
import { requireSocat, startPtyPair, type PtyPair } from '../support/socat.js';

/**
 * The serial link end to end on a real pseudo-terminal pair: the bridge opens one end as its serial
 * port, a peer speaking the line protocol (FakeBoard) plays the Uno on the other. Killing socat and
 * starting it again is a USB cable pulled and plugged back.
 */
const haveSocat = requireSocat();
if (!haveSocat && inCI())
  throw new Error('socat is required in CI for the pseudo-terminal tests (apt-get install socat)');

interface Report {
  topic: string;
  body: Record<string, unknown>;
}

let dir: string;
let pair: PtyPair;
let board: FakeBoard;
let runtime: Runtime | undefined;
let client: mqtt.MqttClient | undefined;
let config: DevicesConfig;
const reports: Report[] = [];

beforeEach(async () => {
  if (!haveSocat) return;
  config = await loadDevicesConfig();
  dir = await mkdtemp(join(tmpdir(), 'smarthome-pty-'));
  pair = await startPtyPair(join(dir, 'ttyA'), join(dir, 'ttyB'));
  board = new FakeBoard({ path: pair.b, config, initialStatus: '000000000' });
  await board.open();
});

afterEach(async () => {
  if (!haveSocat) return;
  await client?.endAsync(true);
  client = undefined;
  await runtime?.stop();
  runtime = undefined;
  await board.stop();
  await pair.kill();
  await rm(dir, { recursive: true, force: true });
  reports.length = 0;
});

async function startBridge(): Promise<Runtime> {
  runtime = await startRuntime({
    config,
    link: { kind: 'serial', port: pair.a },
    logger: silentLogger(),
    embeddedBroker: { host: '127.0.0.1', port: 0 },
  });
  client = await mqtt.connectAsync(runtime.brokerUrl, { protocolVersion: 4 });
  client.on('message', (topic, payload) =>
    reports.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
  );
  await client.subscribeAsync('webos/report/smarthome/#');
  return runtime;
}

const find = (command: string, match: Record<string, unknown> = {}): Report | undefined =>
  reports.find((r) => r.body['command'] === command && Object.entries(match).every(([k, v]) => r.body[k] === v));

async function waitFor(command: string, match: Record<string, unknown> = {}, timeout = 8000): Promise<Report> {
  await expect.poll(() => find(command, match), { timeout, interval: 20 }).toBeDefined();
  return find(command, match)!;
}

describe.runIf(haveSocat)('serial link on a pseudo-terminal pair', () => {
  it('bus command → serial line with an id → acknowledgement → bus reports', async () => {
    const rt = await startBridge();
    expect(rt.link.state).toBe('ready');
    // The board was already running (no reset on a pty), so the link probed it, checked its build
    // against devices.json (CFG) and read its status.
    expect(board.received.map((l) => l.type)).toEqual(['ping', 'build', 'get']);

    await client!.publishAsync('webos/smarthome/info', '016155010');
    const ack = await waitFor('ack', { request: '016155010' });
    expect(ack.topic).toBe('webos/report/smarthome/info');
    expect(ack.body).toMatchObject({ Producer: 'smarthome', status: '016155010', changed: true });
    const set = board.received.at(-1)!;
    expect(set).toMatchObject({ type: 'set', command: '016155010' });
    expect(set.id).toBeGreaterThan(0);
    const status = find('status', { cause: 'command' })!;
    expect(status.topic).toBe('webos/report/smarthome/info');
    expect(status.body).toMatchObject({ status: '016155010', windowOpen: true });

    // JSON control with an id: re-encoded as a 9-digit SET against the current status.
    await client!.publishAsync(
      'webos/smarthome',
      JSON.stringify({ command: 'control', id: 'j1', light: false, window: 'close' }),
    );
    const jsonAck = await waitFor('ack', { id: 'j1' });
    expect(jsonAck.body).toMatchObject({ status: '016055000', changed: true });
    expect(board.received.at(-1)).toMatchObject({ type: 'set', command: jsonAck.body['request'] });
    expect(board.home.status).toBe('016055000');

    // A button held on the board: event and status reach the bus.
    board.home.press('light');
    await waitFor('event', { event: 'button', button: 'light' }, 4000);
    await waitFor('status', { cause: 'button' });
    board.home.release('light');
  });

  it('never passes a newline, a star or a second command from the bus to the wire', async () => {
    await startBridge();
    const before = board.received.length;
    await client!.publishAsync('webos/smarthome/info', '016155010\nSET 1 111111111');
    await client!.publishAsync('webos/smarthome/info', '01615501*');
    await client!.publishAsync(
      'webos/smarthome',
      JSON.stringify({ command: 'control', id: 'x\nSET 1 111111111', mode: 1 }),
    );
    await expect.poll(() => reports.filter((r) => r.body['command'] === 'error').length, { timeout: 4000 }).toBe(3);
    await client!.publishAsync('webos/smarthome/info', '100000000');
    await waitFor('ack', { request: '100000000' });
    expect(board.received.slice(before)).toEqual([{ type: 'set', id: expect.any(Number), command: '100000000' }]);
    expect(board.counters).toEqual({ checksum: 0, tooLong: 0, garbled: 0, unknown: 0 });
  });

  it('reopens the port after the peer vanished and reads the status again (resync)', async () => {
    const rt = await startBridge();
    const states: LinkState[] = [];
    rt.link.on('state', (s) => states.push(s));
    await client!.publishAsync('webos/smarthome/info', '016155010');
    await waitFor('ack', { request: '016155010' });

    // Cable out: both pty ends vanish.
    await board.close();
    await pair.kill();
    const lost = await waitFor('error', { code: 'PORT_UNAVAILABLE' });
    expect(lost.topic).toBe('webos/report/smarthome/error');
    expect(lost.body).toMatchObject({ source: 'device' });
    expect(rt.link.state).toBe('disconnected');
    // While away, the board changes (its buttons still work); the report is lost with the cable.
    board.home.apply('000000010');
    const changed = board.home.status;
    expect(changed).not.toBe('016155010');

    // Cable back: the link reopens on its own, probes the board and reads the status again.
    const gets = board.received.filter((l) => l.type === 'get').length;
    await pair.start();
    await board.open();
    const resync = await waitFor('status', { cause: 'resync' }, 15_000);
    expect(resync.body).toMatchObject({ status: changed });
    expect(rt.link.state).toBe('ready');
    expect(board.received.filter((l) => l.type === 'get').length).toBe(gets + 1);
    expect(states).toEqual(expect.arrayContaining(['disconnected', 'starting', 'ready']));

    await client!.publishAsync('webos/smarthome/info', '122222222');
    const ack = await waitFor('ack', { request: '122222222' });
    expect(ack.body).toMatchObject({ status: `1${changed.slice(1)}` });
  }, 30_000);

  it('takes a board that resets on reopen through BOOT and reports its boot status', async () => {
    const rt = await startBridge();
    await client!.publishAsync('webos/smarthome/info', '016155010');
    await waitFor('ack', { request: '016155010' });
    await board.close();
    await pair.kill();
    await waitFor('error', { code: 'PORT_UNAVAILABLE' });
    // Like a real Uno, the board resets when the host opens the port again.
    rt.link.on('state', (s) => s === 'starting' && board.boot());
    await pair.start();
    await board.open();
    const boot = await waitFor('status', { cause: 'boot' }, 15_000);
    expect(boot.body).toMatchObject({ status: '000000000' });
    await expect.poll(() => rt.link.state, { timeout: 5000 }).toBe('ready');
    expect(find('status', { cause: 'resync' })).toBeUndefined();
  }, 30_000);
});
