import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { LevelWithSilent } from 'pino';
import { redactUrl } from '../bus/client.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../bus/embedded-broker.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { checkPrefix, fleetConfig, homeAddress } from '../fleet/addressing.js';
import { Fleet } from '../fleet/fleet.js';
import { resolveShard } from '../fleet/shard-auto.js';
import { parseMaxLoss } from '../fleet/verify/session.js';
import { AmqpReportSource, reportFilters } from '../fleet/verify/sources.js';
import { brokerOptions, parseDuration, readConfig, readPassword, readTls, type BrokerArgs } from './common.js';
import { FleetView, type FleetOutput } from './fleet-view.js';
import { mqttSource, startVerify, verifyCommonOptions, type RunningVerify } from './verify.js';

interface FleetArgs extends BrokerArgs {
  homes: number;
  embedded: boolean;
  'broker-port': number;
  prefix: string;
  'connect-rate': number;
  'report-period'?: string;
  'climate-period'?: string;
  'rain-period'?: string;
  verify: boolean;
  'verify-amqp-url'?: string;
  'command-rate': number;
  'max-loss': string;
  workers: number;
  shard?: string;
  keepalive: number;
  'queue-size': number;
  output?: FleetOutput;
  interval?: string;
  'log-level': LevelWithSilent;
}

export function fleetOptions<T>(y: Argv<T>) {
  return verifyCommonOptions(brokerOptions(y))
    .option('homes', { type: 'number', demandOption: true, describe: 'Homes in the whole fleet (all shards together).' })
    .option('embedded', { type: 'boolean', default: false, describe: 'Start an embedded broker instead of using --broker.' })
    .option('broker-port', { type: 'number', default: 1883, describe: 'Port of the embedded broker (127.0.0.1; 0 = any free port).' })
    .option('prefix', { type: 'string', default: 'home', describe: 'Home i is <prefix>-<i>: its client id, the home in its reports, and its address webos/smarthome/<prefix>-<i>/#.' })
    .option('connect-rate', { type: 'number', default: 500, describe: 'Connections opened per second (staggered, so the broker is not hit by all at once).' })
    .option('report-period', { type: 'string', describe: 'Sensor period of every home, e.g. 1s (climate and rain; default: devices.json).' })
    .option('climate-period', { type: 'string', describe: 'Climate period of every home, e.g. 2s (wins over --report-period).' })
    .option('rain-period', { type: 'string', describe: 'Rain period of every home, e.g. 500ms (wins over --report-period).' })
    .option('verify', { type: 'boolean', default: false, describe: 'Also subscribe to the reports and count them end to end (lost, duplicated, out of order, latency); exit 1 when loss exceeds --max-loss.' })
    .option('verify-amqp-url', { type: 'string', describe: 'With --verify: read the reports over AMQP from RabbitMQ (amqp://user:pass@host:5672, exchange webos.topic) instead of MQTT.' })
    .option('workers', { type: 'number', default: 0, describe: 'Worker threads to spread the homes over (0: all in the main thread).' })
    .option('shard', { type: 'string', describe: 'i/n: run homes i, i+n, i+2n, … so n processes or machines share one fleet; auto: $JOB_COMPLETION_INDEX/$FLEET_SHARDS (a Kubernetes Indexed Job).' })
    .option('keepalive', { type: 'number', default: 60, describe: 'MQTT keepalive, seconds (every home reports more often than this anyway).' })
    .option('queue-size', { type: 'number', default: 100, describe: 'Reports each home keeps while the broker is away.' })
    .option('output', { choices: ['tty', 'text', 'json'] as const, describe: 'tty: progress bar and a live line; text: a summary line per interval; json: one JSON object per interval (default: tty on a terminal, else text).' })
    .option('interval', { type: 'string', describe: 'Summary interval (default 1s on a terminal, else 10s).' })
    .option('log-level', { choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, default: 'warn' as const, describe: 'Log level (JSON lines on stderr; info logs every connection).' })
    .example('$0 fleet --homes 1000 --embedded --report-period 1s', 'a thousand homes on an embedded broker')
    .example('$0 fleet --homes 20000 --shard 0/2 --broker mqtt://rabbit:1883', 'half of a 20,000-home fleet (run 1/2 elsewhere)')
    .example('$0 fleet --homes 1000 --embedded --climate-period 1s --rain-period 1s --verify --command-rate 5', 'two reports per home per second, counted end to end, with 5 commands/s')
    .example('$0 fleet --homes 40000 --shard auto --broker mqtt://rabbit:1883', 'one pod of a Kubernetes Indexed Job (deploy/kubernetes/fleet-job.yaml)');
}

export async function fleetHandler(a: ArgumentsCamelCase<FleetArgs>): Promise<void> {
  const logger = createLogger(a['log-level']);
  if (!a.broker && !a.embedded) throw new BridgeError(ErrorCode.CONFIG_INVALID, 'fleet needs --broker URL, or --embedded for an in-process broker');
  if (a.broker && a.embedded) throw new BridgeError(ErrorCode.CONFIG_INVALID, 'give either --broker or --embedded, not both');
  const reportPeriodMs = a['report-period'] !== undefined ? parseDuration(a['report-period']) : undefined;
  const period = (option: 'climate-period' | 'rain-period'): number | undefined => (a[option] !== undefined ? parseDuration(a[option]) : undefined);
  const config = fleetConfig(await readConfig(a), { reportPeriodMs, climatePeriodMs: period('climate-period'), rainPeriodMs: period('rain-period') });
  const maxLoss = parseMaxLoss(a['max-loss']);
  if (a['command-rate'] > 0 && !a.verify) throw new BridgeError(ErrorCode.CONFIG_INVALID, '--command-rate needs --verify (the verifier sends the commands and times their acks)');
  if (a['verify-amqp-url'] !== undefined && !a.verify) throw new BridgeError(ErrorCode.CONFIG_INVALID, '--verify-amqp-url needs --verify');
  const shard = a.shard !== undefined ? resolveShard(a.shard) : undefined;
  const output: FleetOutput = a.output ?? (process.stdout.isTTY ? 'tty' : 'text');
  const intervalMs = parseDuration(a.interval ?? (output === 'tty' ? '1s' : '10s'));
  if (!(intervalMs >= 100)) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--interval must be at least 100 ms`);

  let broker: EmbeddedBroker | undefined;
  if (a.embedded) broker = await startEmbeddedBroker({ host: '127.0.0.1', port: a['broker-port'] });
  const url = broker?.url ?? a.broker!;
  const fleet = new Fleet({
    homes: a.homes,
    shard,
    workers: a.workers,
    prefix: checkPrefix(a.prefix),
    config,
    url,
    username: a.username,
    password: readPassword(a),
    tls: readTls(a),
    keepaliveS: a.keepalive,
    queueSize: a['queue-size'],
    connectRate: a['connect-rate'],
    logger,
    logLevel: a['log-level'],
  });
  const view = new FleetView(output);
  if (output !== 'json') {
    const first = fleet.indices[0];
    const range = fleet.indices.length === a.homes ? `${a.homes} homes` : `${fleet.indices.length} of ${a.homes} homes (shard ${shard ? `${shard.index}/${shard.count}` : a.shard})`;
    process.stdout.write(`fleet: ${range} on ${redactUrl(url)}, ${a['connect-rate']}/s, ${a.workers} workers, first ${a.prefix}-${first ?? '—'}\n`);
  }

  let verification: RunningVerify | undefined;
  let stopping = false;
  let ticker: NodeJS.Timeout | undefined;
  const stop = async (code: number, why?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearInterval(ticker);
    if (why) process.stderr.write(`smarthome-bridge: ${why}\n`);
    await verification?.stopCommands();
    const final = await fleet.stop();
    view.finish(final);
    // After the homes' offline announcements (each carrying its report count), so the tail is counted.
    const verified = await verification?.end();
    await broker?.close();
    process.exit(code === 0 && verified?.failed ? 1 : code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  fleet.on('fatal', (e) => void stop(2, e.message));

  // Subscribed before any home boots, so every report from seq 0 is expected.
  if (a.verify) {
    verification = await startVerify({
      source: a['verify-amqp-url']
        ? new AmqpReportSource({ url: a['verify-amqp-url'], exchange: 'webos.topic', filters: reportFilters(config), onLost: (e) => void stop(2, e.message) })
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
  view.update(await fleet.stats());
  ticker = setInterval(() => {
    void fleet.stats().then((s) => {
      if (!stopping) view.update(s);
    });
  }, intervalMs);
}

export const fleetCommand: CommandModule<object, FleetArgs> = {
  command: 'fleet',
  describe: 'Run many virtual smarthomes in one process, each with its own connection, client id and address.',
  builder: (y) => fleetOptions(y) as unknown as Argv<FleetArgs>,
  handler: fleetHandler,
};
