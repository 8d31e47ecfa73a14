import net from 'node:net';
import { generate, parser as mqttParser } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines as parseJsonLines, startCli, type CliRun } from '../../support/cli-process.js';
import { startWatchedBroker, until, type WatchedBroker } from '../support.js';

/** The fields of the --output json lines (verify's and fleet's) that these tests read. */
interface JsonLine {
  type?: string;
  final?: boolean;
  received?: number;
  lost?: number;
  commands?: { sent: number; acked: number };
  stats?: { reports: number };
}

/** Output lines of a CLI run with --output json. */
const jsonLines = (run: CliRun): JsonLine[] => parseJsonLines<JsonLine>(run.stdout());

async function ended(run: CliRun): Promise<number | null> {
  const timer = setTimeout(() => run.kill(), 60_000);
  const { code } = await run.exited;
  clearTimeout(timer);
  await Promise.all(
    [run.child.stdout!, run.child.stderr!].map(
      (s) => new Promise((r) => (s.readableEnded ? r(null) : s.once('close', r))),
    ),
  );
  return code;
}

/** A fleet report as a PUBLISH packet on the report topic. */
const reportPacket = (home: string, seq: number): Buffer =>
  generate({
    cmd: 'publish',
    topic: 'webos/report/smarthome/info',
    payload: JSON.stringify({ Producer: 'smarthome', command: 'sensor', home, seq, boot: 1, sent: Date.now() }),
    qos: 0,
    dup: false,
    retain: false,
  });

/**
 * A loopback MQTT "broker" that answers CONNACK and SUBACK and then does what `subscribed` tells it with
 * the socket (`nth`: which connection, from 1).
 */
async function scriptedBroker(
  subscribed: (s: net.Socket, nth: number) => void,
): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((s) => {
    sockets.add(s);
    const nth = ++connections;
    s.on('error', () => undefined);
    const parser = mqttParser({ protocolVersion: 4 });
    parser.on('packet', (p) => {
      if (p.cmd === 'connect') s.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      if (p.cmd !== 'subscribe') return;
      s.write(generate({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 0) }));
      subscribed(s, nth);
    });
    s.on('data', (b) => parser.parse(b));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('smarthome-bridge fleet --verify and verify (the CLI)', () => {
  let broker: WatchedBroker;
  beforeAll(async () => {
    broker = await startWatchedBroker();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it('fleet --verify counts every report, answers commands, and exits 130 on SIGINT', async () => {
    const run = startCli([
      'fleet',
      '--homes',
      '6',
      '--broker',
      broker.url,
      '--prefix',
      'cliv',
      '--climate-period',
      '300ms',
      '--rain-period',
      '500ms',
      '--verify',
      '--command-rate',
      '10',
      '--output',
      'json',
      '--interval',
      '500ms',
    ]);
    try {
      await until(
        () => jsonLines(run).some((l) => l['type'] === 'verify' && (l['received'] ?? 0) > 12),
        `verify reports (stderr: ${run.stderr()})`,
        60_000,
      );
      run.kill('SIGINT');
      expect(await ended(run)).toBe(130); // as a shell and npx report Ctrl-C (docs/fleet.md)
    } finally {
      run.kill();
    }
    const final = jsonLines(run).find((l) => l['type'] === 'final')!;
    const fleetFinal = jsonLines(run).find((l) => l['final'] === true)!;
    expect(final).toMatchObject({
      homes: 6,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      expected: fleetFinal['stats']?.['reports'],
    });
    expect(final['commands']?.['sent']).toBeGreaterThan(0);
    expect(final['commands']?.['acked']).toBe(final['commands']?.['sent']);
  }, 120_000);

  it('verify exits 1 when loss exceeds --max-loss', async () => {
    const fleet = startCli([
      'fleet',
      '--homes',
      '2',
      '--broker',
      broker.url,
      '--prefix',
      'lossy',
      '--report-period',
      '200ms',
      '--output',
      'json',
    ]);
    try {
      await until(() => broker.clientIds.has('lossy-1'), `the fleet to connect (stderr: ${fleet.stderr()})`, 60_000);
      await new Promise((r) => setTimeout(r, 1000)); // reports 0 … 4 of each home go out before verify subscribes
      const run = startCli([
        'verify',
        '--broker',
        broker.url,
        '--prefix',
        'lossy',
        '--duration',
        '3s',
        '--interval',
        '1s',
        '--output',
        'json',
        '--baseline',
        'zero',
        '--qos',
        '0',
      ]);
      // Started after the fleet with baseline zero: the reports sent before it subscribed count as lost.
      expect(await ended(run)).toBe(1);
      const final = jsonLines(run).find((l) => l['type'] === 'final')!;
      expect(final['lost']).toBeGreaterThan(0);
      expect(final['received']).toBeGreaterThan(0);
    } finally {
      fleet.kill();
      await fleet.exited;
    }
  }, 120_000);

  it('verify ends on SIGINT even when its broker floods it and stops reading', async () => {
    // A broker that answers CONNACK and SUBACK, then reads nothing more and sends reports without end:
    // neither the drain of stragglers nor the DISCONNECT may hold the verifier for ever.
    const broker = await scriptedBroker((s) => {
      s.pause();
      let seq = 0;
      const flood = setInterval(() => {
        for (let i = 0; i < 50; i++) s.write(reportPacket(`deaf-${i}`, seq));
        seq++;
      }, 5);
      s.once('close', () => clearInterval(flood));
    });
    const url = broker.url;
    const run = startCli(['verify', '--broker', url, '--qos', '0', '--output', 'json', '--interval', '200ms']);
    try {
      await until(
        () => jsonLines(run).some((l) => (l['received'] ?? 0) > 100),
        `verify reading the flood (stderr: ${run.stderr()})`,
        60_000,
      );
      run.kill('SIGINT');
      const t0 = Date.now();
      const timer = setTimeout(() => run.kill(), 30_000);
      const { code } = await run.exited;
      clearTimeout(timer);
      // 5 s at most waiting for stragglers (they never stop here), 2 s for the goodbye, and start-up slack.
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(code).toBe(0);
    } finally {
      run.kill();
      await broker.close();
    }
  }, 120_000);

  it('verify keeps reading after its broker resets the connection, and says so on stderr', async () => {
    // The first connection is reset (RST) after a few reports; the second one carries on with the same homes.
    let seq = 0;
    const broker = await scriptedBroker((s, nth) => {
      let sent = 0;
      const tick = setInterval(() => {
        for (const home of ['reset-0', 'reset-1']) s.write(reportPacket(home, seq));
        seq++;
        if (nth === 1 && ++sent === 10) {
          clearInterval(tick);
          setTimeout(() => s.resetAndDestroy(), 50); // after the writes are out, or the peer sees a plain close
        }
      }, 20);
      s.once('close', () => clearInterval(tick));
    });
    const url = broker.url;
    const run = startCli(['verify', '--broker', url, '--qos', '0', '--output', 'json', '--interval', '200ms']);
    try {
      await until(
        () => broker.connections() >= 2 && jsonLines(run).some((l) => (l['received'] ?? 0) > 60),
        `verify reading after the reset (stderr: ${run.stderr()})`,
        60_000,
      );
      expect(run.child.exitCode).toBeNull();
      const at = 'mqtt://127.0.0.1:\\d+';
      expect(run.stderr()).toMatch(
        new RegExp(`verify: lost the connection to ${at} \\(read ECONNRESET\\); reconnecting\n`),
      );
      expect(run.stderr()).toMatch(new RegExp(`\nverify: connected again to ${at}\n`));
      run.kill('SIGINT');
      expect(await ended(run)).toBe(0);
    } finally {
      run.kill();
      await broker.close();
    }
  }, 120_000);

  it.each([
    [['verify'], /verify needs --broker URL/],
    [['verify', '--broker', 'mqtt://127.0.0.1:1', '--max-loss', 'lots'], /--max-loss wants/],
    [['verify', '--broker', 'mqtt://127.0.0.1:1', '--prefix', 'a b'], /--prefix must be/],
    [['verify', '--broker', 'mqtt://127.0.0.1:1', '--read-batch', '1s'], /--read-batch must be between 0 and 100ms/],
    [['fleet', '--homes', '2', '--broker', 'mqtt://127.0.0.1:1', '--read-batch', '2ms'], /--read-batch needs --verify/],
    [
      ['fleet', '--homes', '2', '--broker', 'mqtt://127.0.0.1:1', '--command-rate', '5'],
      /--command-rate needs --verify/,
    ],
    [['fleet', '--homes', '2', '--broker', 'mqtt://127.0.0.1:1', '--rain-period', 'soon'], /not a duration/],
    [
      ['fleet', '--homes', '2', '--broker', 'mqtt://127.0.0.1:1', '--verify-amqp-url', 'amqp://127.0.0.1:1'],
      /--verify-amqp-url needs --verify/,
    ],
  ])(
    '%j is a usage error: one line, exit 2',
    async (args, message) => {
      const run = startCli(args);
      expect(await ended(run)).toBe(2);
      expect(run.stderr().trim().split('\n')).toHaveLength(1);
      expect(run.stderr()).toMatch(message);
    },
    60_000,
  );
});
