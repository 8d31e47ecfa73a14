import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { LevelWithSilent } from 'pino';
import { redactUrl } from '../bus/client.js';
import type { EmbeddedBroker } from '../bus/embedded-broker.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { checkPrefix, fleetConfig, homeAddress, shardIndices } from '../fleet/addressing.js';
import { checkConnections, Fleet } from '../fleet/fleet.js';
import { DEFAULT_TICK_MS } from '../fleet/fleet-clock.js';
import { prepareStateDir } from '../fleet/home-state.js';
import { RealClock } from '../environment/clock.js';
import { readFaultSchedule, runFaultSchedule } from '../fleet/faults-schedule.js';
import { resolveMix, type HomeKind } from '../fleet/mix.js';
import { loadFirmware } from '../board/firmware-file.js';
import { resolveShard } from '../fleet/shard-auto.js';
import { tuneHeapForFleet } from '../fleet/heap-tuning.js';
import { parseMaxLoss } from '../fleet/verify/session.js';
import { AmqpReportSource, reportFilters } from '../fleet/verify/sources.js';
import {
  brokerOptions,
  DURATION_HELP,
  parseDuration,
  SIGNAL_EXIT_CODE,
  readConfig,
  readPassword,
  readTls,
  type BrokerArgs,
} from './common.js';
import { FleetView, type FleetOutput } from './fleet-view.js';
import { LogDestination } from './live-view.js';
import { httpOptions, readHttpBind, type HttpArgs } from './http-options.js';
import type { Panel } from '../http/home-panel.js';
import { mqttSource, parseReadBatch, startVerify, verifyCommonOptions, type RunningVerify } from './verify.js';

interface FleetArgs extends BrokerArgs, HttpArgs {
  homes?: number;
  link: HomeKind;
  mix?: string;
  hex?: string;
  faults?: string;
  embedded: boolean;
  'broker-port': number;
  prefix: string;
  'connect-rate'?: number;
  connections?: number;
  'report-period'?: string;
  'climate-period'?: string;
  'rain-period'?: string;
  verify: boolean;
  'verify-amqp-url'?: string;
  'command-rate': number;
  'max-loss': string;
  'read-batch'?: string;
  workers: number;
  shard?: string;
  keepalive: string;
  tick: string;
  'queue-size': number;
  output?: FleetOutput;
  interval?: string;
  'log-level': LevelWithSilent;
  'state-dir'?: string;
}

export function fleetOptions<T>(y: Argv<T>) {
  return verifyCommonOptions(httpOptions(brokerOptions(y), undefined))
    .option('homes', {
      type: 'number',
      describe: 'Homes in the whole fleet (all shards together; with --mix, its sum).',
    })
    .option('link', {
      choices: ['emulated', 'firmware'] as const,
      default: 'emulated' as const,
      describe:
        'What every home runs: the TypeScript home, or our sketch on an emulated Uno behind the serial link ' +
        '(paced to real time).',
    })
    .option('mix', {
      type: 'string',
      describe:
        'Some homes of each kind, e.g. firmware:20,emulated:980 (the firmware homes spread evenly over the fleet).',
    })
    .option('hex', { type: 'string', describe: 'Firmware .hex of the firmware homes (default: the committed build).' })
    .option('faults', {
      type: 'string',
      describe:
        'A fault schedule (YAML or JSON): unplug, replug, board-reset, serial-garbage on chosen firmware homes ' +
        'at given times (docs/fleet.md).',
    })
    .option('embedded', {
      type: 'boolean',
      default: false,
      describe: 'Start an embedded broker instead of using --broker.',
    })
    .option('broker-port', {
      type: 'number',
      default: 1883,
      describe: 'Port of the embedded broker (127.0.0.1; 0 = any free port).',
    })
    .option('prefix', {
      type: 'string',
      default: 'home',
      describe:
        'Home i is <prefix>-<i>: its client id, the home in its reports, and its address ' +
        'webos/smarthome/<prefix>-<i>/#.',
    })
    .option('connect-rate', {
      type: 'number',
      describe:
        'Open connections at this fixed rate per second (gateway mode: shared connections). Default: adaptive — ' +
        'start at 2000/s, grow while CONNACKs come back fast, back off when their latency rises or the broker ' +
        'refuses, at most 5000 awaiting CONNACK (docs/fleet.md).',
    })
    .option('connections', {
      type: 'number',
      describe:
        'Gateway mode: the homes share this many MQTT connections (all shards together), each home still on ' +
        'its own topics; each connection <prefix>-gw-<k> has a will of its own.',
    })
    .option('report-period', {
      type: 'string',
      describe: `Sensor period of every home (${DURATION_HELP}; climate and rain; default: devices.json).`,
    })
    .option('climate-period', {
      type: 'string',
      describe: `Climate period of every home (${DURATION_HELP}; wins over --report-period).`,
    })
    .option('rain-period', {
      type: 'string',
      describe: `Rain period of every home (${DURATION_HELP}; wins over --report-period).`,
    })
    .option('verify', {
      type: 'boolean',
      default: false,
      describe:
        'Also subscribe to the reports and count them end to end (lost, duplicated, out of order, latency); ' +
        'exit 1 when loss exceeds --max-loss.',
    })
    .option('verify-amqp-url', {
      type: 'string',
      describe:
        'With --verify: read the reports over AMQP from RabbitMQ (amqp://user:pass@host:5672, exchange ' +
        'webos.topic) instead of MQTT.',
    })
    .option('workers', {
      type: 'number',
      default: 0,
      describe: 'Worker threads to spread the homes over (0: all in the main thread).',
    })
    .option('shard', {
      type: 'string',
      describe:
        'i/n: run homes i, i+n, i+2n, … so n processes or machines share one fleet; auto: ' +
        '$JOB_COMPLETION_INDEX/$FLEET_SHARDS (a Kubernetes Indexed Job).',
    })
    .option('keepalive', {
      type: 'string',
      default: '60s',
      describe: `MQTT keepalive (${DURATION_HELP}; every home reports more often than this anyway).`,
    })
    .option('tick', {
      type: 'string',
      default: `${DEFAULT_TICK_MS}ms`,
      describe:
        `Fire the homes' timers in batches this far apart (${DURATION_HELP}): a report goes out up to this ` +
        'late, and the broker gets the reports of a tick at once. 0: each as it falls due (smooth, and ' +
        'a tenth to a fifth more CPU per report).',
    })
    .option('queue-size', {
      type: 'number',
      default: 100,
      describe: 'Reports each home keeps while the broker is away.',
    })
    .option('output', {
      choices: ['tty', 'text', 'json'] as const,
      describe:
        'tty: progress bar and a live line; text: a summary line per interval; json: one JSON object per ' +
        'interval (default: tty on a terminal, else text).',
    })
    .option('interval', {
      type: 'string',
      describe: `Summary interval (${DURATION_HELP}; default 1s on a terminal, else 10s).`,
    })
    .option('log-level', {
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      default: 'warn' as const,
      describe: 'Log level (JSON lines on stderr; info logs every connection).',
    })
    .option('state-dir', {
      type: 'string',
      describe:
        "Keep each home's status in DIR/<home id>.json and start each home from it: the same fleet after a restart.",
    })
    .example('$0 fleet --homes 1000 --embedded --report-period 1s', 'a thousand homes on an embedded broker')
    .example(
      '$0 fleet --homes 5000 --broker mqtt://rabbit:1883 --connect-rate 200',
      'connect at a fixed 200 connections/s instead of adaptively',
    )
    .example(
      '$0 fleet --link firmware --homes 100 --workers 2 --embedded',
      'a hundred emulated Unos running our sketch, each a home',
    )
    .example(
      '$0 fleet --mix firmware:20,emulated:980 --embedded --faults faults.yaml',
      'a mixed fleet, with boards unplugged and reset on schedule',
    )
    .example(
      '$0 fleet --homes 10000 --embedded --http 127.0.0.1:8081',
      'the panel at http://127.0.0.1:8081/fleet: a grid of every home',
    )
    .example(
      '$0 fleet --homes 20000 --shard 0/2 --broker mqtt://rabbit:1883',
      'half of a 20,000-home fleet (run 1/2 elsewhere)',
    )
    .example(
      '$0 fleet --homes 100000 --connections 100 --report-period 20s --broker mqtt://127.0.0.1:1883',
      'gateway mode: 100,000 homes over 100 connections, one report per home per 10 s',
    )
    .example(
      '$0 fleet --homes 1000 --embedded --state-dir ./fleet-state',
      'every home keeps its status across restarts',
    )
    .example(
      '$0 fleet --homes 1000 --embedded --climate-period 1s --rain-period 1s --verify --command-rate 5',
      'two reports per home per second, counted end to end, with 5 commands/s',
    )
    .example(
      '$0 fleet --homes 10000 --broker mqtt://127.0.0.1:1883 --tick 0 --verify',
      'reports sent as each falls due, not in 10 ms ticks: latency without the bursts',
    )
    .example(
      '$0 fleet --homes 40000 --shard auto --broker mqtt://rabbit:1883',
      'one pod of a Kubernetes Indexed Job (deploy/kubernetes/fleet-job.yaml)',
    );
}

export async function fleetHandler(a: ArgumentsCamelCase<FleetArgs>): Promise<void> {
  const logs = new LogDestination();
  const logger = createLogger(a['log-level'], undefined, logs);
  if (!a.broker && !a.embedded)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, 'fleet needs --broker URL, or --embedded for an in-process broker');
  if (a.broker && a.embedded)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, 'give either --broker or --embedded, not both');
  const mix = resolveMix(a.link, a.homes, a.mix);
  const homes = mix.firmware + mix.emulated;
  const periodic = ['report-period', 'climate-period', 'rain-period'] as const;
  const givenPeriod = periodic.find((o) => a[o] !== undefined);
  if (mix.firmware > 0 && givenPeriod !== undefined) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--${givenPeriod} cannot apply to firmware homes: their periods are compiled into the sketch ` +
        '(devices.json: climate 60 s, rain 2 s); leave it out with --link firmware or --mix',
    );
  }
  if (mix.firmware === 0 && (a.hex !== undefined || a.faults !== undefined)) {
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--${a.hex !== undefined ? 'hex' : 'faults'} needs firmware homes (--link firmware or --mix firmware:N,…)`,
    );
  }
  // A bad .hex is one line before anything starts, not a fatal error from every worker thread.
  if (a.hex !== undefined) await loadFirmware(a.hex);
  const period = (option: (typeof periodic)[number]): number | undefined =>
    a[option] !== undefined ? parseDuration(a[option], `--${option}`) : undefined;
  const config = fleetConfig(await readConfig(a), {
    reportPeriodMs: period('report-period'),
    climatePeriodMs: period('climate-period'),
    rainPeriodMs: period('rain-period'),
  });
  const maxLoss = parseMaxLoss(a['max-loss']);
  if (a['command-rate'] > 0 && !a.verify)
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      '--command-rate needs --verify (the verifier sends the commands and times their acks)',
    );
  if (a['verify-amqp-url'] !== undefined && !a.verify)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--verify-amqp-url needs --verify');
  if (a['read-batch'] !== undefined && !a.verify)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--read-batch needs --verify');
  parseReadBatch(a['read-batch']); // a bad value is refused before any home starts
  const tick = tickMs(a.tick);
  const connectRate = a['connect-rate'];
  if (connectRate !== undefined && !(connectRate > 0))
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      `--connect-rate must be a positive number of connections per second, got ${connectRate}; leave it out ` +
        'to connect adaptively',
    );
  const shard = a.shard !== undefined ? resolveShard(a.shard) : undefined;
  const output: FleetOutput = a.output ?? (process.stdout.isTTY ? 'tty' : 'text');
  const intervalMs = parseDuration(a.interval ?? (output === 'tty' ? '1s' : '10s'), '--interval');
  if (!(intervalMs >= 100)) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--interval must be at least 100 ms`);
  const prefix = checkPrefix(a.prefix);
  // Firmware boards are bounded by CPU at a few hundred per core, where a connection each costs nothing
  // worth saving; gateway mode is for the homes that come by the hundred thousand.
  if (a.connections !== undefined && mix.firmware > 0)
    throw new BridgeError(
      ErrorCode.CONFIG_INVALID,
      '--connections runs emulated homes only (not with --link firmware or --mix)',
    );
  if (a.connections !== undefined)
    checkConnections(
      { connections: a.connections, homes, shard, workers: a.workers },
      shardIndices(homes, shard).length,
    );
  const schedule = a.faults !== undefined ? await readFaultSchedule(a.faults, { prefix, homes, mix }) : undefined;

  const httpBind = readHttpBind(a);
  // Homes with a connection each: a fast connect, then one compacting collection (heap-tuning.ts).
  const settleHeap = a.connections === undefined;
  tuneHeapForFleet(settleHeap ? 'connecting' : 'steady');
  let broker: EmbeddedBroker | undefined;
  // The embedded broker and the panel are loaded only when asked for: a fleet holds what it loads for
  // its whole run, and their modules (aedes, the panel and prom-client) are some 4 MiB of heap.
  if (a.embedded) {
    const { startEmbeddedBroker } = await import('../bus/embedded-broker.js');
    broker = await startEmbeddedBroker({ host: '127.0.0.1', port: a['broker-port'] });
  }
  const url = broker?.url ?? a.broker!;
  const fleet = new Fleet({
    homes,
    settleHeap,
    mix,
    hex: a.hex,
    shard,
    workers: a.workers,
    prefix,
    config,
    url,
    username: a.username,
    password: readPassword(a),
    tls: readTls(a),
    keepaliveS: keepaliveS(a.keepalive),
    tickMs: tick,
    queueSize: a['queue-size'],
    connectRate,
    connections: a.connections,
    stateDir: a['state-dir'] !== undefined ? prepareStateDir(a['state-dir']) : undefined,
    logger,
    logLevel: a['log-level'],
  });
  let panel: Panel | undefined;
  if (httpBind) {
    try {
      const { startFleetPanel } = await import('../http/fleet-panel.js');
      panel = await startFleetPanel({
        fleet,
        config,
        prefix: a.prefix,
        homes,
        url,
        bind: httpBind,
        username: a.username,
        password: readPassword(a),
        tls: readTls(a),
      });
    } catch (e) {
      await broker?.close();
      throw e;
    }
  }
  // Rates are averaged over the shortest report period: every home reports once in it.
  const view = new FleetView(output, process.stdout, {
    averageMs: Math.min(config.sensors.rain.periodMs, config.sensors.climate.periodMs),
  });
  // The live line and the main thread's logs on one terminal: logs go above the line (worker threads
  // log on stderr directly).
  if (output === 'tty' && process.stdout.isTTY && process.stderr.isTTY) logs.redirect((text) => view.writeAbove(text));
  if (output !== 'json') {
    const first = fleet.indices[0];
    const range =
      fleet.indices.length === homes
        ? `${homes} homes`
        : `${fleet.indices.length} of ${homes} homes (shard ${shard ? `${shard.index}/${shard.count}` : a.shard})`;
    if (mix.firmware > 0)
      process.stdout.write(
        `fleet: ${mix.firmware} firmware homes (emulated Unos, paced to real time), ${mix.emulated} emulated homes\n`,
      );
    const over = a.connections !== undefined ? ` over ${a.connections} connections` : '';
    const pace = a['connect-rate'] === undefined ? 'adaptively' : `at ${a['connect-rate']}/s`;
    process.stdout.write(
      `fleet: ${range} on ${redactUrl(url)}${over}, connecting ${pace}, ${a.workers} workers, ` +
        `first ${a.prefix}-${first ?? '—'}${panel ? `; panel ${panel.url}` : ''}\n`,
    );
  }

  let verification: RunningVerify | undefined;
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;
  let stopFaults: (() => void) | undefined;
  const stop = async (code: number, why?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    stopFaults?.();
    if (why) process.stderr.write(`smarthome-bridge: ${why}\n`);
    await verification?.stopCommands();
    await panel?.stop();
    const final = await fleet.stop();
    view.finish(final);
    // After the homes' offline announcements (each carrying its report count), so the tail is counted.
    const verified = await verification?.end();
    await broker?.close();
    process.exit(code === 0 && verified?.failed ? 1 : code);
  };
  process.on('SIGINT', () => void stop(SIGNAL_EXIT_CODE.SIGINT));
  process.on('SIGTERM', () => void stop(SIGNAL_EXIT_CODE.SIGTERM));
  fleet.on('fatal', (e) => void stop(2, e.message));

  // Subscribed before any home boots, so every report from seq 0 is expected.
  if (a.verify) {
    verification = await startVerify({
      source: a['verify-amqp-url']
        ? new AmqpReportSource({
            url: a['verify-amqp-url'],
            exchange: 'webos.topic',
            filters: reportFilters(config),
            onLost: (e) => void stop(2, e.message),
          })
        : mqttSource({ ...a, qos: Math.max(...Object.values(config.bus.routes).map((r) => r.qos)) }, url, config),
      baseline: 'zero',
      commandRate: a['command-rate'],
      homePrefix: `${a.prefix}-`,
      // This process's homes only: other shards on the same broker started at other times.
      homes: new Set(fleet.indices.map((i) => homeAddress(a.prefix, i).id)),
      intervalMs,
      output,
      maxLoss,
    });
  }
  await fleet.start();
  if (schedule) {
    // Faults outside this shard are another process's to inject.
    const mine = new Set(fleet.indices);
    const local = schedule
      .map((f) => ({ ...f, homes: f.homes.filter((h) => mine.has(h)) }))
      .filter((f) => f.homes.length > 0);
    stopFaults = runFaultSchedule(local, fleet, new RealClock(), (f) => {
      const home = `${prefix}-${f.home}`;
      if (output === 'json') {
        const error = f.error ? { error: f.error } : {};
        const line = JSON.stringify({
          time: new Date().toISOString(),
          fault: f.fault,
          home,
          atMs: Math.round(f.atMs),
          ...error,
        });
        process.stdout.write(`${line}\n`);
      } else
        process.stdout.write(
          `${output === 'tty' ? '\r\x1b[2K' : ''}fault ${f.fault} on ${home} at ${(f.atMs / 1000).toFixed(1)} ` +
            `s${f.error ? ` failed: ${f.error}` : ''}\n`,
        );
    });
  }
  view.update(await fleet.stats());
  ticker = setInterval(() => {
    void fleet.stats().then((s) => {
      if (!stopping) view.update(s);
    });
  }, intervalMs);
}

/** The clock's tick: 0 (each timer as it falls due) up to a second. */
function tickMs(text: string): number {
  const ms = parseDuration(text, '--tick');
  if (!(ms >= 0 && ms <= 1000)) throw new BridgeError(ErrorCode.CONFIG_INVALID, '--tick must be from 0 to 1s');
  return ms;
}

/** MQTT keepalive is whole seconds on the wire. */
function keepaliveS(text: string): number {
  const ms = parseDuration(text, '--keepalive');
  if (ms !== 0 && ms < 1000)
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--keepalive must be 0 (off) or at least 1s');
  return Math.round(ms / 1000);
}

export const fleetCommand: CommandModule<object, FleetArgs> = {
  command: 'fleet',
  describe: 'Run many virtual smarthomes in one process, each with its own connection, client id and address.',
  builder: (y) => fleetOptions(y) as unknown as Argv<FleetArgs>,
  handler: fleetHandler,
};
