import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { redactUrl } from '../bus/client.js';
import type { DevicesConfig } from '../config/schema.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { checkPrefix, homeAddress } from '../fleet/addressing.js';
import type { Baseline } from '../fleet/verify/sequence-tracker.js';
import { formatReport, lossExceeds, parseMaxLoss, VerifySession, type LossLimit } from '../fleet/verify/session.js';
import { DEFAULT_READ_BATCHING, type ReadBatching } from '../fleet/verify/batched-reads.js';
import { AmqpReportSource, MqttReportSource, reportFilters, type ReportSource } from '../fleet/verify/sources.js';
import type { VerifyReport } from '../fleet/verify/verifier.js';
import { wallTimeMs } from '../fleet/verify/wall-time.js';
import { brokerOptions, parseDuration, readConfig, readPassword, readTls, type BrokerArgs } from './common.js';

/**
 * `smarthome-bridge verify`: a consumer of a fleet's reports that counts what arrived against what was
 * sent (docs/fleet.md, "Verifying delivery"). Exit 0 when the loss stays within --max-loss, 1 when it
 * does not, 2 for a usage or connection error.
 */
interface VerifyArgs extends BrokerArgs {
  'amqp-url'?: string;
  exchange: string;
  qos: number;
  'client-id'?: string;
  prefix?: string;
  'command-rate': number;
  baseline: Baseline;
  duration?: string;
  interval?: string;
  output: 'text' | 'json';
  'max-loss': string;
  'read-batch'?: string;
}

/** The options `verify` shares with `fleet --verify`. */
export function verifyCommonOptions<T>(y: Argv<T>) {
  return y
    .option('command-rate', {
      type: 'number',
      default: 0,
      describe:
        'Status commands per second to random homes that are up (heard from, not offline); their round trip ' +
        '(send → ack) is reported.',
    })
    .option('max-loss', {
      type: 'string',
      default: '0',
      describe: 'Exit 1 when more reports than this were lost: a count (0) or a percentage of those expected (0.1%).',
    })
    .option('read-batch', {
      type: 'string',
      describe:
        'MQTT only: while over 256 KB a second (~1,000 reports) arrive, rest the socket this long after each ' +
        'read, so one read takes many reports (less CPU at high rates; a report waits up to about this long, ' +
        'counted in its latency). 0 reads every report as it comes. Default 1ms.',
    });
}

/** --read-batch: undefined for the default, null for 0 (off); refuses more than 100 ms. */
export function parseReadBatch(text: string | undefined): ReadBatching | null | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, '--read-batch');
  if (!(ms >= 0 && ms <= 100))
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--read-batch must be between 0 and 100ms');
  return ms === 0 ? null : { ...DEFAULT_READ_BATCHING, batchMs: ms };
}

export function verifyOptions<T>(y: Argv<T>) {
  return verifyCommonOptions(brokerOptions(y))
    .option('amqp-url', {
      type: 'string',
      describe:
        'Read the reports over AMQP from RabbitMQ (amqp://user:pass@host:5672) instead of MQTT: a private ' +
        'queue bound to --exchange.',
    })
    .option('exchange', {
      type: 'string',
      default: 'webos.topic',
      describe: "The RabbitMQ MQTT plugin's topic exchange (with --amqp-url).",
    })
    .option('qos', {
      type: 'number',
      choices: [0, 1],
      default: 1,
      describe: 'MQTT subscription QoS; 1 keeps a session, so a broker restart loses nothing queued for the verifier.',
    })
    .option('client-id', {
      type: 'string',
      describe:
        'MQTT client id (default verify-<pid>). Given, a QoS 1 session is kept at exit, so the next verify ' +
        'with this id resumes it; otherwise it is unsubscribed at exit.',
    })
    .option('prefix', {
      type: 'string',
      describe: "Count only homes <prefix>-<i> (the fleet's --prefix; default: every home).",
    })
    .option('baseline', {
      choices: ['first-seen', 'zero'] as const,
      default: 'first-seen' as const,
      describe:
        "first-seen: each home's first report sets where its numbering starts (joining a running fleet); zero: " +
        'expect every report from seq 0.',
    })
    .option('duration', { type: 'string', describe: 'Stop after this long (e.g. 60s; default: until SIGINT/SIGTERM).' })
    .option('interval', { type: 'string', default: '10s', describe: 'Report interval.' })
    .option('output', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'text: a line per interval; json: one JSON object per interval and a final one (type "final").',
    })
    .example('$0 verify --broker mqtt://127.0.0.1:1883 --duration 60s', "count a running fleet's reports for a minute")
    .example(
      '$0 verify --amqp-url amqp://guest:guest@rabbit:5672 --prefix home --command-rate 10 --output json',
      'over AMQP on RabbitMQ, with 10 commands/s',
    )
    .example(
      '$0 verify --broker mqtt://127.0.0.1:1883 --max-loss 0.1% --duration 5m',
      'fail (exit 1) above 0.1 % loss',
    );
}

export interface VerifyRunOptions {
  source: ReportSource;
  baseline: Baseline;
  commandRate: number;
  homePrefix?: string | undefined;
  homes?: ReadonlySet<string> | undefined;
  intervalMs: number;
  output: 'text' | 'json' | 'tty';
  maxLoss: LossLimit;
}

/**
 * A started verification that prints a report per interval; `end` prints the final one and tells whether loss stayed in
 * bounds.
 */
export interface RunningVerify {
  session: VerifySession;
  /** Call before the fleet stops: no more commands, and those on their way get up to 2 s to be acknowledged. */
  stopCommands(): Promise<void>;
  end(): Promise<{ report: VerifyReport; failed: boolean }>;
}

export async function startVerify(o: VerifyRunOptions): Promise<RunningVerify> {
  const session = new VerifySession({
    source: o.source,
    clock: { now: wallTimeMs },
    baseline: o.baseline,
    commandRate: o.commandRate,
    commandTopic,
    homePrefix: o.homePrefix,
    homes: o.homes,
  });
  await session.start();
  const print = (r: VerifyReport, type: 'interval' | 'final'): void => {
    process.stdout.write(
      o.output === 'json'
        ? `${JSON.stringify({ type: type === 'final' ? 'final' : 'verify', ...r })}\n`
        : `${formatReport(r, type === 'final')}\n`,
    );
  };
  // On a terminal the fleet's live line owns the screen: only the final report is printed.
  const ticker =
    o.output === 'tty' ? undefined : setInterval(() => print(session.report(true), 'interval'), o.intervalMs);
  return {
    session,
    async stopCommands() {
      session.stopCommands();
      for (let waited = 0; session.verifier.pendingCommands > 0 && waited < 2000; waited += 50)
        await new Promise((r) => setTimeout(r, 50));
    },
    async end() {
      clearInterval(ticker);
      const report = await session.finish();
      print(report, 'final');
      const failed = lossExceeds(report, o.maxLoss);
      if (failed && o.output !== 'json')
        process.stderr.write(
          `smarthome-bridge: verify: ${report.lost} of ${report.expected} reports lost, more than --max-loss allows\n`,
        );
      return { report, failed };
    },
  };
}

/**
 * Where a fleet home takes commands: its command filter's `info` topic (the fleet's addressing, home `<prefix>-<i>`).
 */
export function commandTopic(home: string): string {
  const dash = home.lastIndexOf('-');
  return homeAddress(home.slice(0, dash), Number(home.slice(dash + 1))).commandFilter.replace(/#$/, 'info');
}

export function mqttSource(
  a: BrokerArgs & { qos?: number; 'client-id'?: string; 'read-batch'?: string | undefined },
  url: string,
  config: DevicesConfig,
): MqttReportSource {
  return new MqttReportSource({
    url,
    filters: reportFilters(config),
    qos: a.qos === 0 ? 0 : 1,
    clientId: a['client-id'] ?? `verify-${process.pid}`,
    keepSession: a['client-id'] !== undefined,
    username: a.username,
    password: readPassword(a),
    tls: readTls(a),
    onConnection: (up, why) =>
      process.stderr.write(
        up
          ? `verify: connected again to ${redactUrl(url)}\n`
          : `verify: lost the connection to ${redactUrl(url)} (${why}); reconnecting\n`,
      ),
    readBatching: parseReadBatch(a['read-batch']),
  });
}

async function verifyHandler(a: ArgumentsCamelCase<VerifyArgs>): Promise<void> {
  if (!a.broker && !a['amqp-url'])
    throw new BridgeError(ErrorCode.CONFIG_INVALID, 'verify needs --broker URL (MQTT) or --amqp-url URL (RabbitMQ)');
  const config = await readConfig(a);
  const maxLoss = parseMaxLoss(a['max-loss']);
  const intervalMs = parseDuration(a.interval ?? '10s');
  if (!(intervalMs >= 100)) throw new BridgeError(ErrorCode.CONFIG_INVALID, '--interval must be at least 100 ms');
  const durationMs = a.duration !== undefined ? parseDuration(a.duration) : undefined;
  if (durationMs !== undefined && !(durationMs > 0))
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--duration must be positive');
  const prefix = a.prefix !== undefined ? checkPrefix(a.prefix) : undefined;

  let stopping = false;
  let running: RunningVerify | undefined;
  const stop = async (code?: number, why?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (why) process.stderr.write(`smarthome-bridge: ${why}\n`);
    const result = await running?.end();
    process.exit(code ?? (result?.failed ? 1 : 0));
  };
  const source: ReportSource = a['amqp-url']
    ? new AmqpReportSource({
        url: a['amqp-url'],
        exchange: a.exchange,
        filters: reportFilters(config),
        onLost: (e) => void stop(2, e.message),
      })
    : mqttSource(a, a.broker!, config);
  if (a.output === 'text')
    process.stdout.write(
      'verify: reading ' +
        `${source.kind === 'amqp' ? `exchange ${a.exchange} on ${redactUrl(a['amqp-url']!)}` : redactUrl(a.broker!)}\n`,
    );
  running = await startVerify({
    source,
    baseline: a.baseline,
    commandRate: a['command-rate'],
    homePrefix: prefix !== undefined ? `${prefix}-` : undefined,
    intervalMs,
    output: a.output,
    maxLoss,
  });
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (durationMs !== undefined) setTimeout(() => void stop(), durationMs);
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify',
  describe:
    "Count a fleet's reports end to end: received/expected, lost, duplicated, out of order, latency, command " +
    'round trip.',
  builder: (y) => verifyOptions(y) as unknown as Argv<VerifyArgs>,
  handler: verifyHandler,
};
