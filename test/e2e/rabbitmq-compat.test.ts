/**
 * The bridge among the real Car2Home components, on RabbitMQ with the production MQTT configuration
 * (the CI instance): AMQP publishers acting as CarDashboard (amqplib, key webos.smarthome.info), the
 * Android app (key webos.smarthome) and the backend (Python pika, as Backend-Server does it) send the
 * real apps' command strings to webos.topic; AMQP consumers bound to webos.report.smarthome.# (amqplib, and pika
 * reading as the backend reads) get the bridge's reports with their routing keys and JSON. Nothing of it
 * reaches the backend's request queue webos.server (test/e2e/good-citizen.test.ts counts that). Plus: the backend's
 * plain-text errors on webos.smarthome.error are ignored, the will reaches AMQP when the CLI is killed,
 * and an emergency broadcast on webos.fanout closes the gas valve and is reported.
 *
 * Elsewhere, not repeated here: a wrong password against RabbitMQ with allow_anonymous false ends the
 * bridge with the reason and exit 2 (test/faults/auth.test.ts); commands work again after a RabbitMQ
 * restart (test/e2e/bus-suite.test.ts, "broker restarted"); the MQTT↔AMQP key mapping itself
 * (test/e2e/brokers.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { startRuntime, type Runtime } from '../../src/runtime.js';
import { REPO_ROOT, requireService } from '../support/brokers.js';
import { bridgeProcess, Proc } from '../faults/support/processes.js';
import { AmqpRecorder, type Delivery } from './support/amqp-recorder.js';
import { suiteConfig } from './support/bus-suite.js';

const mqttUrl = requireService('rabbitmq-mqtt');
const amqpUrl = requireService('rabbitmq-amqp');
const PIKA = path.join(REPO_ROOT, 'test/support/pika');
/** Debian's python3-pika is installed for /usr/bin/python3 only (a pyenv python3 on PATH lacks it). */
const PYTHON = '/usr/bin/python3';

const tag = `${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
const config = parseDevicesConfig({
  device: { id: `compat-${tag}` },
  bus: { healthPeriodMs: 0, maxErrorReportsPerSecond: 1000 },
});
const home = config.device.id;

/** Like Backend-Server's mqtt_publish: a fresh pika connection per message, no properties. */
function pikaPublish(key: string, ...bodies: string[]): void {
  const r = spawnSync(PYTHON, [path.join(PIKA, 'publish.py'), amqpUrl!, 'webos.topic', key, ...bodies], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`publish.py failed (${r.status}): ${r.stderr}`);
  expect(r.stdout.trim()).toBe(`sent ${bodies.length}`);
}

describe.skipIf(!mqttUrl || !amqpUrl)('the real components around the bridge on RabbitMQ', () => {
  let runtime: Runtime;
  let server: AmqpRecorder;
  let conn: ChannelModel;
  let car: Channel;

  const mine = (command: string) => (d: Delivery) =>
    d.json?.['home'] === home && d.json['Producer'] === 'smarthome' && d.json['command'] === command;
  const ackOf = (request: string) => (d: Delivery) => mine('ack')(d) && d.json!['request'] === request;
  /** CarDashboard's sendMqtt: amqplib publish on webos.topic. */
  function carPublish(key: string, body: string): number {
    const mark = server.mark();
    car.publish('webos.topic', key, Buffer.from(body));
    return mark;
  }
  async function settleAt(command: string): Promise<void> {
    const mark = carPublish('webos.smarthome.info', command);
    const ack = await server.next(ackOf(command), mark);
    if (ack.json!['changed'])
      await server.next((d) => mine('status')(d) && d.json!['status'] === ack.json!['status'], mark);
  }

  beforeAll(async () => {
    server = await AmqpRecorder.connect(amqpUrl!, ['webos.report.smarthome.#']);
    conn = await amqp.connect(amqpUrl!);
    car = await conn.createChannel();
    runtime = await startRuntime({
      config,
      link: { kind: 'emulated' },
      logger: silentLogger(),
      brokerUrl: mqttUrl!,
      clientId: `compat-${tag}`,
      amqpUrl: amqpUrl!,
    });
    await settleAt('000000000');
  }, 60_000);
  afterAll(async () => {
    await runtime?.stop();
    await conn?.close().catch(() => undefined);
    await server?.close();
  });

  it(
    'amqplib as CarDashboard on webos.smarthome.info: tiles applied; status and ack on ' +
      'webos.report.smarthome.info as JSON',
    async () => {
      for (const [command, expected] of [
        ['016222222', '016000000'],
        ['022152022', '016152000'],
        ['022222212', '016152010'],
        ['022222221', '016152011'],
      ] as const) {
        const mark = carPublish('webos.smarthome.info', command);
        const ack = await server.next(ackOf(command), mark);
        const status = await server.next((d) => mine('status')(d) && d.json!['status'] === expected, mark);
        for (const d of [ack, status]) {
          expect(d.exchange).toBe('webos.topic');
          expect(d.routingKey).toBe('webos.report.smarthome.info');
        }
        expect(ack.json).toMatchObject({ status: expected, changed: true });
        expect(status.json).toMatchObject({ cause: 'command', status: expected });
      }
    },
  );

  it('pika as the Android app on webos.smarthome and as the backend scheduler on webos.smarthome.info', async () => {
    await settleAt('016152011');
    let mark = server.mark();
    pikaPublish('webos.smarthome', '002255022', '022055022');
    expect((await server.next(ackOf('002255022'), mark)).json!['status']).toBe('006152011');
    expect((await server.next(ackOf('022055022'), mark)).json!['status']).toBe('006052011');
    mark = server.mark();
    pikaPublish('webos.smarthome.info', '009052300');
    expect((await server.next(ackOf('009052300'), mark)).json!['status']).toBe('006052000');
    expect(runtime.link.status).toBe('006052000');
  });

  it('a bad command: an error report on webos.report.smarthome.error, JSON with code and reason', async () => {
    const mark = carPublish('webos.smarthome.info', '01615501');
    const err = await server.next((d) => mine('error')(d) && d.json!['code'] === 'STATUS_LENGTH', mark);
    expect(err.routingKey).toBe('webos.report.smarthome.error');
    expect(err.json).toMatchObject({ source: 'webos/smarthome/info', excerpt: '01615501' });
    expect(String(err.json!['reason'])).toMatch(/8/);
  });

  it(
    'the backend’s plain text on webos.smarthome.error (pika) and warning ' + 'is neither applied nor answered',
    async () => {
      await settleAt('016155010');
      const mark = server.mark();
      pikaPublish('webos.smarthome.error', '에러: smarthome 핸들러가 없습니다', '022222221');
      car.publish('webos.topic', 'webos.smarthome.warning', Buffer.from('022222221'));
      const probe = carPublish('webos.smarthome.info', '{"command":"status","id":"after-error-text"}');
      await server.next((d) => mine('ack')(d) && d.json!['id'] === 'after-error-text', probe);
      const answered = server
        .since(mark)
        .filter(
          (d) =>
            (mine('ack')(d) && d.json!['request'] === '022222221') ||
            (mine('error')(d) && /webos\/smarthome\/(error|warning)/.test(String(d.json!['source']))),
        );
      expect(answered).toEqual([]);
      expect(runtime.link.status).toBe('016155010');
    },
  );

  it('pika, consuming as the backend does, gets the reports with routing key and JSON', async () => {
    await settleAt('016155010');
    const reader = new Proc(PYTHON, [
      path.join(PIKA, 'consume.py'),
      amqpUrl!,
      'webos.topic',
      'webos.report.smarthome.#',
    ]);
    try {
      await reader.waitFor(/^ready$/m, 30_000);
      carPublish('webos.smarthome.info', '022222221');
      const readAck = () =>
        reader.stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { routingKey: string; body: string; headers: Record<string, string> })
          .map((l) => ({ ...l, json: JSON.parse(l.body) as Record<string, unknown> }))
          .find((l) => l.json['home'] === home && l.json['command'] === 'ack');
      const ack = await vi.waitFor(
        () => readAck() ?? Promise.reject(new Error(`no ack from ${home} yet:\n${reader.output}`)),
        { timeout: 20_000, interval: 100 },
      );
      expect(ack).toBeDefined();
      expect(ack!.routingKey).toBe('webos.report.smarthome.info');
      expect(ack!.json).toMatchObject({ Producer: 'smarthome', request: '022222221', status: '016155011' });
      // What the MQTT plugin adds for AMQP consumers; pika reads it without trouble.
      expect(Object.keys(ack!.headers)).toContain('x-mqtt-publish-qos');
    } finally {
      await reader.kill();
    }
  });

  it(
    'an emergency on webos.fanout closes the gas valve and is reported ' + '(status, then the emergency event)',
    async () => {
      await settleAt('016155011');
      const mark = server.mark();
      const text = `{"emergency":"fire","drill":"${tag}"}`;
      car.publish('webos.fanout', '', Buffer.from(text));
      const event = await server.next((d) => mine('event')(d) && d.json!['event'] === 'emergency', mark, 20_000);
      expect(event.routingKey).toBe('webos.report.smarthome.info');
      expect(event.json).toMatchObject({
        exchange: 'webos.fanout',
        applied: '022222220',
        status: '016155010',
        changed: true,
      });
      expect(String(event.json!['message'])).toContain(tag);
      const status = await server.next((d) => mine('status')(d) && d.json!['status'] === '016155010', mark);
      expect(status.json).toMatchObject({ gasValveOpen: false, aircon: { on: true, power: 6 }, windowOpen: true });
      expect(server.seen.indexOf(status)).toBeLessThan(server.seen.indexOf(event));
      expect(runtime.link.status).toBe('016155010');
    },
  );

  it('the CLI killed with SIGKILL: its will (offline) reaches AMQP on webos.report.smarthome.info', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compat-'));
    const cliHome = `compat-cli-${tag}`;
    const devices = path.join(dir, 'devices.json');
    writeFileSync(devices, JSON.stringify(parseDevicesConfig({ device: { id: cliHome } })));
    const state = (s: string) => (d: Delivery) =>
      d.json?.['home'] === cliHome && d.json['command'] === 'availability' && d.json['state'] === s;
    const mark = server.mark();
    const p = bridgeProcess([
      'run',
      '--broker',
      mqttUrl!,
      '--client-id',
      `compat-cli-${tag}`,
      '--devices',
      devices,
      '--log-level',
      'warn',
    ]);
    try {
      await server.next(state('online'), mark, 60_000, 'online availability');
      const before = server.mark();
      p.signal('SIGKILL');
      expect((await p.exited).signal).toBe('SIGKILL');
      const will = await server.next(state('offline'), before, 20_000, 'the will on AMQP');
      expect(will.routingKey).toBe('webos.report.smarthome.info');
      expect(will.json).toMatchObject({ Producer: 'smarthome', link: 'emulated' });
    } finally {
      await p.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('the CLI with --amqp-url and --rtdb-file: a broadcast closes the gas valve, and the file says so', async () => {
    // Topics of its own, so the commands below reach this bridge only.
    const cli = suiteConfig('compat-cli');
    const dir = mkdtempSync(path.join(tmpdir(), 'compat-'));
    const devices = path.join(dir, 'devices.json');
    const rtdb = path.join(dir, 'realtimedb.json');
    writeFileSync(devices, JSON.stringify(cli.config));
    const reports = cli.config.bus.routes.status.topic.replace(/\//g, '.');
    const own = await AmqpRecorder.connect(amqpUrl!, [reports]);
    const ofCli = (command: string) => (d: Delivery) =>
      d.json?.['home'] === cli.config.device.id && d.json['command'] === command;
    // No user in the AMQP URL: amqplib's default (guest), which the CI broker allows on loopback.
    const amqpNoUser = `amqp://127.0.0.1:${new URL(amqpUrl!).port}`;
    const p = bridgeProcess([
      'run',
      '--broker',
      mqttUrl!,
      '--client-id',
      cli.clientId,
      '--devices',
      devices,
      '--amqp-url',
      amqpNoUser,
      '--rtdb-file',
      rtdb,
      '--log-level',
      'info',
    ]);
    try {
      await p.waitFor(/listening for emergency broadcasts/, 60_000);
      const mark = own.mark();
      car.publish(
        'webos.topic',
        cli.config.bus.commandFilter.replace('#', 'info').replace(/\//g, '.'),
        Buffer.from('022222221'),
      );
      await own.next((d) => ofCli('ack')(d) && d.json!['request'] === '022222221', mark);
      await vi.waitFor(() => expect(JSON.parse(readFileSync(rtdb, 'utf8')).smarthome.status).toMatch(/1$/), {
        timeout: 10_000,
      });

      car.publish('webos.fanout', '', Buffer.from(`cli drill ${tag}`));
      const event = await own.next((d) => ofCli('event')(d) && d.json!['event'] === 'emergency', mark, 20_000);
      expect(event.json).toMatchObject({ applied: '022222220', changed: true });
      expect(String(event.json!['status'])).toMatch(/0$/);
      await vi.waitFor(
        () => expect(JSON.parse(readFileSync(rtdb, 'utf8')).smarthome.status).toBe(event.json!['status']),
        { timeout: 10_000 },
      );
      expect((await p.stop()).code).toBe(0);
    } finally {
      await p.kill();
      await own.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
