import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { LevelWithSilent } from 'pino';
import { createLogger } from '../core/logger.js';
import { RealClock } from '../environment/clock.js';
import { BridgeError, ErrorCode } from '../core/errors.js';
import type { LinkSpec } from '../links/create.js';
import { startRuntime } from '../runtime.js';
import {
  brokerOptions,
  DURATION_HELP,
  parseDuration,
  PASSWORD_ENV,
  SIGNAL_EXIT_CODE,
  readConfig,
  readPassword,
  readTls,
  type BrokerArgs,
} from './common.js';
import { LiveView, LogDestination } from './live-view.js';
import type { Panel } from '../http/home-panel.js';
import { PanelServer } from '../http/server.js';
import { redactUrl } from '../bus/client.js';
import { httpOptions, readHttpBind, type HttpArgs } from './http-options.js';
import { withReportPeriod } from '../bus/sensor-reports.js';
import { validateStatus } from '../home/status-codec.js';
import { whereReportsGo } from './reports-line.js';

interface RunArgs extends BrokerArgs, HttpArgs {
  link: 'emulated' | 'serial' | 'firmware' | 'firmata' | 'replay';
  port?: string;
  baud?: number;
  hex?: string;
  file?: string;
  'broker-host': string;
  'broker-port': number;
  'client-id'?: string;
  speed: number;
  seed?: number;
  'log-level': LevelWithSilent;
  live?: boolean;
  'queue-size'?: number;
  'queue-file'?: string;
  'health-period'?: string;
  'amqp-url'?: string;
  'rtdb-file'?: string;
  'state-file'?: string;
  'initial-status'?: string;
  'report-period'?: string;
  'connect-timeout': string;
}

export function runOptions<T>(y: Argv<T>) {
  return httpOptions(brokerOptions(y), undefined)
    .option('link', {
      choices: ['emulated', 'serial', 'firmware', 'firmata', 'replay'] as const,
      default: 'emulated' as const,
      describe: 'Which device to bridge (serial and firmata need --port, replay needs --file).',
    })
    .option('port', {
      type: 'string',
      describe: 'Serial port of the Uno (serial and firmata links), e.g. /dev/ttyACM0.',
    })
    .option('baud', { type: 'number', describe: 'Serial baud rate (default 115200; firmata 57600).' })
    .option('hex', { type: 'string', describe: 'Firmware .hex for --link firmware (default: the committed build).' })
    .option('file', { type: 'string', describe: 'Recording to play back with --link replay.' })
    .option('broker-host', {
      type: 'string',
      default: '127.0.0.1',
      describe: 'Embedded broker address (when no --broker).',
    })
    .option('broker-port', { type: 'number', default: 1883, describe: 'Embedded broker port (when no --broker).' })
    .option('client-id', {
      type: 'string',
      describe: 'MQTT client id (default: devices.json bus.clientId). Unique per running bridge.',
    })
    .option('speed', {
      type: 'number',
      default: 1,
      describe:
        'Clock speed: 60 runs an hour a minute (emulated link); the firmware link paces its emulated board at ' +
        'this speed (one board manages some tens of times real time).',
    })
    .option('seed', { type: 'number', describe: 'Environment seed (default: devices.json environment.seed).' })
    .option('log-level', {
      choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      default: 'info' as const,
      describe: 'Log level (logs are JSON lines on stderr).',
    })
    .option('live', { type: 'boolean', describe: 'Show the live view (default: when stdout is a terminal).' })
    .option('queue-size', {
      type: 'number',
      describe:
        'Reports kept while the broker is away (default: devices.json bus.queue.capacity; oldest sensor ' +
        'readings dropped first, counted).',
    })
    .option('queue-file', {
      type: 'string',
      describe:
        'Journal reports here until the broker confirms them, so they survive a crash or restart of the bridge.',
    })
    .option('health-period', {
      type: 'string',
      describe: `Health report period (${DURATION_HELP}); 0 = off (default: devices.json bus.healthPeriodMs).`,
    })
    .option('amqp-url', {
      type: 'string',
      describe:
        'AMQP URL of the RabbitMQ behind the bus (amqp://host:5672): listen for emergency broadcasts on ' +
        'devices.json emergency.exchange (webos.fanout). Without a user in the URL, --username and the bridge ' +
        'password are used.',
    })
    .option('connect-timeout', {
      type: 'string',
      default: '30s',
      describe:
        'Give up (exit 2, with the last reason) when the broker has not accepted the first connection within ' +
        `this long (${DURATION_HELP}); 0 = wait for ever, for services. A connection lost later is always ` +
        'retried.',
    })
    .option('rtdb-file', {
      type: 'string',
      describe:
        "Keep the home's status and sensor readings in this JSON file, shaped like the original backend's " +
        'realtimedb.json (Firebase RTDB tree), rewritten atomically on every change; other keys in it are ' +
        'kept. At start its /smarthome/status is restored first.',
    })
    .option('state-file', {
      type: 'string',
      describe:
        "Keep the home's last status in this file (atomic writes) and restore it at start when --rtdb-file has none.",
    })
    .option('initial-status', {
      type: 'string',
      describe:
        'Status to start with when neither --rtdb-file nor --state-file holds one, e.g. 016155010 (default 000000000).',
    })
    .option('report-period', {
      type: 'string',
      describe:
        'Publish every sensor reading on this period, e.g. 2s (climate and rain; default: on change beyond the ' +
        'dead band plus a heartbeat, devices.json bus.sensorReports).',
    })
    .example('$0 run --rtdb-file ./realtimedb.json --state-file ./state.json', 'the same home after a restart')
    .example('$0 run --report-period 2s', 'a sensor report every 2 s, changed or not');
}

/** Which link kinds read --port: it is a mistake, not a no-op, to give it to the others. */
const TAKES_PORT = new Set(['serial', 'firmata']);

function linkSpec(a: RunArgs): LinkSpec {
  const need = (v: string | undefined, flag: string): string => {
    if (!v) throw new BridgeError(ErrorCode.CONFIG_INVALID, `--link ${a.link} needs ${flag}`);
    return v;
  };
  switch (a.link) {
    case 'emulated':
      return { kind: 'emulated', seed: a.seed };
    case 'serial':
      return { kind: 'serial', port: need(a.port, '--port'), baudRate: a.baud };
    case 'firmata':
      return { kind: 'firmata', port: need(a.port, '--port'), baudRate: a.baud };
    case 'firmware':
      // The board runs at --speed (paced), and its room is seeded like the emulated one.
      return { kind: 'firmware', hex: a.hex, speed: a.speed, seed: a.seed };
    case 'replay':
      return { kind: 'replay', file: need(a.file, '--file') };
  }
}

export async function runHandler(a: ArgumentsCamelCase<RunArgs>): Promise<void> {
  const logs = new LogDestination();
  const logger = createLogger(a['log-level'], undefined, logs);
  let config = await readConfig(a);
  if (a.insecure)
    logger.warn('--insecure: the broker certificate is NOT verified; anyone on the path can read and forge messages');
  if (!(a.speed > 0) || !Number.isFinite(a.speed))
    throw new BridgeError(ErrorCode.CONFIG_INVALID, '--speed must be a positive number (1 = real time)');
  const link = linkSpec(a);
  if (a.port !== undefined && !TAKES_PORT.has(a.link))
    logger.warn(
      `--port ${a.port} is ignored: --link ${a.link} does not use a serial port (only serial and firmata do)`,
    );
  const connectTimeoutMs = parseDuration(a['connect-timeout'], '--connect-timeout');
  if (a['queue-size'] !== undefined) {
    if (!Number.isInteger(a['queue-size']) || a['queue-size'] < 1)
      throw new BridgeError(ErrorCode.CONFIG_INVALID, '--queue-size must be a positive whole number');
    config.bus.queue.capacity = a['queue-size'];
  }
  if (a['health-period'] !== undefined)
    config.bus.healthPeriodMs = parseDuration(a['health-period'], '--health-period');
  if (a['report-period'] !== undefined)
    config = withReportPeriod(config, parseDuration(a['report-period'], '--report-period'));
  if (a['initial-status'] !== undefined) {
    try {
      validateStatus(a['initial-status']);
    } catch (e) {
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        `--initial-status ${JSON.stringify(a['initial-status'])}: ${(e as Error).message}`,
      );
    }
  }
  if (a.broker && hasUrlPassword(a.broker)) {
    logger.warn(
      'the --broker URL carries a password, which other users can read in the process list; use ' +
        `$${PASSWORD_ENV} or --password-file`,
    );
  }
  if (a['amqp-url'] && hasUrlPassword(a['amqp-url'])) {
    logger.warn(
      'the --amqp-url carries a password, which other users can read in the process list; leave the user out ' +
        `of it to log in with --username and $${PASSWORD_ENV} or --password-file`,
    );
  }
  const httpBind = readHttpBind(a);
  // The panel's port is taken first: a busy one is one line and exit 2 before the bridge says online.
  const httpServer = httpBind ? new PanelServer(httpBind) : undefined;
  await httpServer?.start();
  const clock = new RealClock(a.speed);
  // Signals are taken from the start: one that arrives while the runtime starts (after it already said
  // online) is honoured as soon as the runtime is up, with a clean stop, instead of killing the process.
  // A second one during a start that hangs ends the process at once.
  let startupSignal: 'SIGINT' | 'SIGTERM' | undefined;
  let onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
    if (startupSignal) process.exit(1);
    startupSignal = signal;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const startedAt = performance.now();
  const runtime = await startRuntime({
    config,
    link,
    logger,
    clock,
    brokerUrl: a.broker,
    embeddedBroker: { host: a['broker-host'], port: a['broker-port'] },
    username: a.username,
    password: readPassword(a),
    clientId: a['client-id'],
    tls: readTls(a),
    queueFile: a['queue-file'],
    amqpUrl: a['amqp-url'],
    rtdbFile: a['rtdb-file'],
    stateFile: a['state-file'],
    initialStatus: a['initial-status'],
    // Serve the home meanwhile (reports are queued) after at most 5 s, and sooner for a shorter timeout.
    connectWaitMs: connectTimeoutMs > 0 ? Math.min(5000, connectTimeoutMs) : undefined,
  });
  const panel: Panel | undefined =
    httpBind && httpServer
      ? await (await import('../http/home-panel.js')).startHomePanel({
          runtime,
          config,
          bind: httpBind,
          server: httpServer,
          username: a.username,
          password: readPassword(a),
          tls: readTls(a),
        })
      : undefined;
  const panelNote = panel ? `; panel ${panel.url}` : '';
  let stopping = false;
  let giveUp: NodeJS.Timeout | undefined;
  // Nothing is served until the broker has accepted the connection: the live view or the serving line
  // waits for the first CONNACK, and --connect-timeout bounds the wait.
  const serve = (): void => {
    clearTimeout(giveUp);
    if (stopping) return;
    const live =
      (a.live ?? process.stdout.isTTY)
        ? new LiveView(
            runtime.link,
            clock,
            `smarthome-bridge — ${config.device.name} on ${redactUrl(runtime.brokerUrl)}${panelNote} (Ctrl-C to stop)`,
          )
        : undefined;
    if (!live)
      process.stdout.write(
        `smarthome-bridge serving ${config.device.id} (link ${runtime.link.kind}) on ` +
          `${redactUrl(runtime.brokerUrl)}${panelNote}\n`,
      );
    // Above the live view, which redraws only its own lines.
    process.stdout.write(`${whereReportsGo(config, runtime.restored)}\n`);
    live?.start();
    stopLive = () => live?.stop();
    // Logs on the live view's terminal go above its region; logs redirected elsewhere stay on stderr.
    if (live && process.stdout.isTTY && process.stderr.isTTY) logs.redirect((text) => live.writeAbove(text));
  };
  let stopLive = (): void => undefined;
  if (runtime.bus.connected) serve();
  else {
    runtime.bus.once('connected', serve);
    if (connectTimeoutMs > 0) {
      const left = Math.max(0, connectTimeoutMs - (performance.now() - startedAt));
      giveUp = setTimeout(() => {
        const why = runtime.bus.waitingReason ?? 'no answer';
        process.stderr.write(
          `smarthome-bridge: no connection to broker ${redactUrl(runtime.brokerUrl)} within ` +
            `${a['connect-timeout']} (--connect-timeout; 0 waits for ever): ${why}\n`,
        );
        void stop(2);
      }, left);
    }
  }

  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    clearTimeout(giveUp);
    stopLive();
    await panel?.stop();
    await runtime.stop();
    process.exit(code);
  };
  onSignal = (signal) => void stop(SIGNAL_EXIT_CODE[signal]);
  if (startupSignal) await stop(SIGNAL_EXIT_CODE[startupSignal]);
  const fatal = await runtime.fatal;
  process.stderr.write(`smarthome-bridge: ${fatal.message}\n`);
  await stop(2);
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: ['run', '$0'],
  describe: 'Serve a smarthome on the bus (default: a virtual one, with an embedded broker).',
  builder: (y) =>
    runOptions(y)
      .example('$0 run --broker-port 1884', 'a virtual home, its embedded broker on another port')
      .example('$0 run --link firmware --speed 10', 'our firmware on the emulated Uno, ten times real time')
      .example(
        '$0 run --link serial --port /dev/ttyACM0 --broker mqtt://127.0.0.1:1883 --client-id smarthome-2',
        'a real Uno on a broker already running',
      )
      .example('$0 run --broker mqtt://rabbit:1883 --connect-timeout 0', 'as a service: wait for the broker for ever')
      .example(
        '$0 run --http 127.0.0.1:9090',
        'the panel (home page, API, /metrics) at http://127.0.0.1:9090/ (npm start serves it on 8080)',
      )
      .example(
        '$0 run --http 0.0.0.0:8080 --http-token-file ~/.panel-token',
        'the panel for the whole network: page and API need the token',
      ) as unknown as Argv<RunArgs>,
  handler: runHandler,
};

function hasUrlPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}
