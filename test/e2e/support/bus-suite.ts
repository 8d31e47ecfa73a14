/**
 * The bus-level end-to-end scenarios, written once and run against every broker (the embedded aedes,
 * mosquitto, RabbitMQ with the production MQTT configuration): commands → status reports and acks, bad
 * payloads → error reports, ignored error topics, a client id shared by two bridges (the one that
 * notices first stops), the will on SIGKILL of the real CLI, and commands working again after the broker restarts
 * (the bridge subscribes again in its connect handler).
 *
 * Each run has topics of its own (`e2e/<ns>/smarthome/#` in, `e2e/<ns>/server/*` out) and its own home
 * id and client id, so it shares a broker with any other test without either seeing the other's
 * commands. The real apps' topics and routing keys are exercised in rabbitmq-compat.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDevicesConfig } from '../../../src/config/load.js';
import type { DevicesConfig } from '../../../src/config/schema.js';
import { ErrorCode } from '../../../src/core/errors.js';
import { silentLogger } from '../../../src/core/logger.js';
import { startRuntime, type Runtime } from '../../../src/runtime.js';
import { MqttRecorder, type Seen } from '../../support/mqtt-recorder.js';
import { bridgeProcess } from '../../faults/support/processes.js';
import type { RestartableBroker } from '../../faults/support/restartable-brokers.js';

export interface BusSuiteTarget {
  name: string;
  /** A running broker shared with other tests; undefined skips the shared scenarios. */
  url: string | undefined;
  /** A private broker the restart scenario may kill and start again; undefined skips it. */
  restartable?: (() => Promise<RestartableBroker>) | undefined;
  /** Time for the restart scenario (a RabbitMQ cold start plus a restart is slow). */
  restartTimeoutMs?: number;
}

let runs = 0;

/** A namespaced devices.json: own topics, home id and client id. */
export function suiteConfig(name: string): { config: DevicesConfig; ns: string; clientId: string } {
  const ns = `${name.replace(/[^a-z0-9]/gi, '')}-${process.pid}-${++runs}-${Math.random().toString(36).slice(2, 6)}`;
  const root = `e2e/${ns}`;
  const out = (suffix: string, retain = false) => ({ topic: `${root}/server/${suffix}`, qos: 0 as const, retain });
  const config = parseDevicesConfig({
    device: { id: `home-${ns}` },
    bus: {
      commandFilter: `${root}/smarthome/#`,
      ignoredTopics: [`${root}/smarthome/error`, `${root}/smarthome/warning`],
      maxErrorReportsPerSecond: 1000,
      healthPeriodMs: 0,
      routes: {
        status: out('info', true),
        sensor: out('info'),
        event: out('info'),
        ack: out('info'),
        error: out('error'),
        availability: out('info', true),
        health: out('info'),
      },
    },
  });
  return { config, ns, clientId: `e2e-${ns}` };
}

export function describeBusSuite(target: BusSuiteTarget): void {
  describe.skipIf(!target.url)(`bus end to end on ${target.name}`, () => {
    const { config, clientId } = suiteConfig(target.name);
    const home = config.device.id;
    const root = config.bus.commandFilter.slice(0, -'/smarthome/#'.length);
    const info = `${root}/smarthome/info`;
    let runtime: Runtime;
    let bus: MqttRecorder;

    const mine = (command: string) => (m: Seen) => m.json?.['home'] === home && m.json['command'] === command;
    const ackOf = (request: string) => (m: Seen) => mine('ack')(m) && m.json!['request'] === request;
    async function send(topic: string, payload: string): Promise<number> {
      const mark = bus.mark();
      await bus.publish(topic, payload);
      return mark;
    }
    async function settleAt(command: string): Promise<void> {
      const mark = await send(info, command);
      const ack = await bus.next(ackOf(command), mark, 10_000);
      if (ack.json!['changed'])
        await bus.next((m) => mine('status')(m) && m.json!['status'] === ack.json!['status'], mark, 10_000);
    }

    beforeAll(async () => {
      runtime = await startRuntime({
        config,
        link: { kind: 'emulated' },
        logger: silentLogger(),
        brokerUrl: target.url!,
        clientId,
      });
      bus = await MqttRecorder.connect(target.url!, [`${root}/#`]);
      await settleAt('000000000');
    }, 60_000);
    afterAll(async () => {
      await bus?.close();
      await runtime?.stop();
    });

    it(
      'commands on …/smarthome/info and the bare …/smarthome: a status report and an ack each, on the configured ' +
        'topics',
      async () => {
        const mark = await send(info, '016155010');
        const ack = await bus.next(ackOf('016155010'), mark, 10_000);
        const status = await bus.next((m) => mine('status')(m) && m.json!['status'] === '016155010', mark, 10_000);
        expect(ack.topic).toBe(config.bus.routes.ack.topic);
        expect(ack.json).toMatchObject({ Producer: 'smarthome', status: '016155010', changed: true });
        expect(status.topic).toBe(config.bus.routes.status.topic);
        expect(status.json).toMatchObject({
          cause: 'command',
          aircon: { on: true, power: 6 },
          windowOpen: true,
          gasValveOpen: false,
        });

        const bare = await send(`${root}/smarthome`, '022255021');
        expect((await bus.next(ackOf('022255021'), bare, 10_000)).json!['status']).toBe('016155011');
        expect(runtime.link.status).toBe('016155011');
      },
    );

    it(
      'a command’s status report reaches a subscriber before its ' + 'acknowledgement, every time (docs/bus.md)',
      async () => {
        for (let i = 0; i < 12; i++) {
          const command = i % 2 === 0 ? '016155010' : '000000000';
          const mark = await send(info, command);
          const ack = await bus.next(ackOf(command), mark, 10_000);
          expect(ack.json!['changed']).toBe(true);
          const seen = bus.since(mark);
          const report = seen.findIndex(
            (m) => mine('status')(m) && m.json!['cause'] === 'command' && m.json!['status'] === ack.json!['status'],
          );
          expect(report, `status report before ack ${i} (${command})`).toBeGreaterThanOrEqual(0);
          expect(report).toBeLessThan(seen.indexOf(ack));
        }
        await settleAt('016155011');
      },
    );

    it('a JSON command with an id is acknowledged with that id', async () => {
      const mark = await send(info, '{"Producer":"car","command":"control","gasValve":"close","id":"e2e-1"}');
      const ack = await bus.next((m) => mine('ack')(m) && m.json!['id'] === 'e2e-1', mark, 10_000);
      expect(ack.json).toMatchObject({ request: '022255020', status: '016155010' });
    });

    it.each([
      ['8 digits', '01615501', ErrorCode.STATUS_LENGTH],
      ['colour 9', '016159010', ErrorCode.STATUS_RANGE],
      ['{nice}', '{nice}', ErrorCode.PAYLOAD_NOT_JSON],
      ['an unknown command', '{"command":"reboot"}', ErrorCode.COMMAND_UNKNOWN],
    ])(
      '%s → an error report on the error route; nothing applied; the next command is served',
      async (_what, payload, code) => {
        await settleAt('016155010');
        const mark = await send(info, payload);
        const err = await bus.next((m) => mine('error')(m) && m.json!['code'] === code, mark, 10_000);
        expect(err.topic).toBe(config.bus.routes.error.topic);
        expect(err.json).toMatchObject({ source: info });
        expect(runtime.link.status).toBe('016155010');
        const next = await send(info, '022222221');
        await bus.next(ackOf('022222221'), next, 10_000);
      },
    );

    it('text on …/smarthome/error and …/warning is neither applied nor answered', async () => {
      await settleAt('016155010');
      const mark = await send(`${root}/smarthome/error`, '022222221');
      await send(`${root}/smarthome/warning`, '에러: smarthome 핸들러가 없습니다');
      const probe = await send(info, '{"command":"status","id":"probe"}');
      await bus.next((m) => mine('ack')(m) && m.json!['id'] === 'probe', probe, 10_000);
      const answers = bus.since(mark).filter((m) => m.json?.['home'] === home && m.json['command'] !== 'status');
      expect(answers.map((m) => m.json!['id'])).toEqual(['probe']);
      expect(runtime.link.status).toBe('016155010');
    });

    it('two bridges started with one client id: the one that notices the takeovers first stops with ' +
      'CLIENT_ID_CONFLICT, the other keeps serving', async () => {
      const twins = [suiteConfig(`${target.name}-twin`), suiteConfig(`${target.name}-twin`)];
      const sharedId = `${twins[0]!.clientId}-shared`;
      const runtimes: Runtime[] = [];
      const watcher = await MqttRecorder.connect(
        target.url!,
        twins.map((t) => t.config.bus.routes.ack.topic),
      );
      try {
        for (const t of twins)
          runtimes.push(
            await startRuntime({
              config: t.config,
              link: { kind: 'emulated' },
              logger: silentLogger(),
              brokerUrl: target.url!,
              clientId: sharedId,
            }),
          );
        const [loser, error] = await Promise.race(runtimes.map((r, i) => r.fatal.then((e) => [i, e] as const)));
        expect(error.code).toBe(ErrorCode.CLIENT_ID_CONFLICT);
        expect(error.message).toContain(`"${sharedId}"`);
        expect(error.message).toContain('--client-id');
        const winner = 1 - loser;
        expect(runtimes[loser]!.bus.connected).toBe(false);
        // The survivor is knocked off no more: it is connected again and answers a command.
        await expect.poll(() => runtimes[winner]!.bus.connected, { timeout: 10_000 }).toBe(true);
        const t = twins[winner]!;
        const root = t.config.bus.commandFilter.slice(0, -'/smarthome/#'.length);
        // Asked again until answered: a command sent while the survivor's subscription is being renewed
        // after its last takeover is lost (QoS 0, as the apps send), on RabbitMQ for a noticeable while.
        // RabbitMQ 3.10 can also drop the survivor's connection once more after the takeovers (its consume
        // races the old session's auto-delete queue: NOT_FOUND), and the survivor then reconnects after its
        // backoff, up to 10 s: so the asking goes on for 30 s, each time once the survivor is connected.
        let ack: Seen | undefined;
        const deadline = Date.now() + 30_000;
        for (let attempt = 0; Date.now() < deadline && !ack; attempt++) {
          await expect
            .poll(() => runtimes[winner]!.bus.connected, { timeout: Math.max(1, deadline - Date.now()) })
            .toBe(true);
          const mark = watcher.mark();
          await watcher.publish(`${root}/smarthome/info`, `{"command":"status","id":"survivor-${attempt}"}`);
          ack = await watcher
            .next((m) => m.json?.['command'] === 'ack' && m.json['id'] === `survivor-${attempt}`, mark, 3000)
            .catch(() => undefined);
        }
        expect(ack?.json?.['home'], 'an ack from the survivor').toBe(t.config.device.id);
        expect(runtimes[winner]!.bus.connected).toBe(true);
      } finally {
        await watcher.close();
        for (const r of runtimes) await r.stop();
      }
    }, 90_000);

    it('the real CLI killed with SIGKILL: its will announces the home offline', async () => {
      const cli = suiteConfig(`${target.name}-cli`);
      const dir = mkdtempSync(path.join(tmpdir(), 'bus-suite-'));
      const devices = path.join(dir, 'devices.json');
      writeFileSync(devices, JSON.stringify(cli.config));
      const cliRoot = cli.config.bus.commandFilter.slice(0, -'/smarthome/#'.length);
      const watcher = await MqttRecorder.connect(target.url!, [cli.config.bus.routes.availability.topic]);
      const p = bridgeProcess([
        'run',
        '--broker',
        target.url!,
        '--client-id',
        cli.clientId,
        '--devices',
        devices,
        '--log-level',
        'warn',
      ]);
      try {
        const state = (s: string) => (m: Seen) =>
          m.json?.['home'] === cli.config.device.id && m.json['command'] === 'availability' && m.json['state'] === s;
        await watcher.next(state('online'), 0, 60_000, 'online availability');
        const before = watcher.mark();
        p.signal('SIGKILL');
        expect((await p.exited).signal).toBe('SIGKILL');
        const offline = await watcher.next(state('offline'), before, 20_000, 'the will');
        expect(offline.topic).toBe(`${cliRoot}/server/info`);
      } finally {
        await p.kill();
        await watcher.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  });

  describe.skipIf(!target.restartable)(`bus end to end on ${target.name}: broker restarted`, () => {
    it(
      'the bridge reconnects and subscribes again: commands work with no manual step',
      async () => {
        const broker = await target.restartable!();
        const { config, clientId } = suiteConfig(`${target.name}-restart`);
        const home = config.device.id;
        const info = config.bus.commandFilter.replace(/#$/, 'info');
        let runtime: Runtime | undefined;
        let bus: MqttRecorder | undefined;
        try {
          runtime = await startRuntime({
            config,
            link: { kind: 'emulated' },
            logger: silentLogger(),
            brokerUrl: broker.url,
            clientId,
          });
          const connect = () =>
            MqttRecorder.connect(broker.url, [config.bus.commandFilter.replace('/smarthome/#', '/server/#')]);
          const acked = async (command: string, timeoutMs = 15_000): Promise<void> => {
            const mark = bus!.mark();
            await bus!.publish(info, command);
            await bus!.next(
              (m) => m.json?.['home'] === home && m.json['command'] === 'ack' && m.json['request'] === command,
              mark,
              timeoutMs,
            );
          };
          bus = await connect();
          await acked('016155010');

          const reconnected = new Promise<void>((r) => runtime!.bus.once('connected', () => r()));
          await bus.close();
          await broker.kill();
          await broker.restart();
          await reconnected;
          bus = await connect();
          // The subscription is renewed in the connect handler; a command published before the broker
          // has processed that SUBSCRIBE is lost (nothing is bound yet), so the first one may be repeated.
          const deadline = Date.now() + 20_000;
          for (;;) {
            try {
              await acked('016155011', 3_000);
              break;
            } catch (e) {
              if (Date.now() > deadline) throw e;
            }
          }
          expect(runtime.link.status).toBe('016155011');
          expect(runtime.bus.counters.reconnects).toBeGreaterThanOrEqual(1);
        } finally {
          await bus?.close().catch(() => undefined);
          await runtime?.stop();
          await broker.stop();
        }
      },
      target.restartTimeoutMs ?? 90_000,
    );
  });
}
