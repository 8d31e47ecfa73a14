/**
 * Brokers for tests.
 *
 * - Service brokers started once by `.ci/run` (`.ci/run.d/brokers.sh`) and announced through
 *   SMARTHOME_TEST_* environment variables: `requireService()`.
 * - A private mosquitto per test, spawned directly, that a test may kill and restart:
 *   `startMosquitto()`.
 * - A private RabbitMQ through scripts/rabbitmq/start.sh and stop.sh, for tests that restart
 *   the broker: `startRabbitmq()` / `stopRabbitmq()` (allow 60-90 s in the hook for a cold start).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { probeMqtt } from '../../scripts/rabbitmq/ready.mjs';

const execFileAsync = promisify(execFile);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RABBITMQ_SCRIPTS = path.join(REPO_ROOT, 'scripts/rabbitmq');

// ---------------------------------------------------------------------------------------------
// Service brokers announced by .ci/run
// ---------------------------------------------------------------------------------------------

const START_ALL =
  'npm test starts them itself when RabbitMQ and mosquitto are installed (npm run setup:system installs them); ' +
  'or source .ci/run.d/brokers.sh (starts every CI broker and exports the SMARTHOME_TEST_* variables; ' +
  'brokers_stop stops them)';

/** Where requireService notes the suites it skips, for the one line at the end of the run (global-brokers.ts). */
export const SKIPPED_SERVICES_DIR = path.join(REPO_ROOT, '.cache', 'test-results', 'skipped-services');

/** The test file that asked for a service: the first *.test.ts frame of the call stack. */
function callingTestFile(): string {
  const m = /(\/[^\s():]+\.test\.ts)/.exec(new Error().stack ?? '');
  return m ? path.relative(REPO_ROOT, m[1]!) : '(unknown test file)';
}

export const SERVICES = {
  /** RabbitMQ, production config (anonymous allowed): mqtt://127.0.0.1:PORT */
  'rabbitmq-mqtt': { env: 'SMARTHOME_TEST_RABBITMQ_MQTT_URL', example: 'mqtt://127.0.0.1:11883' },
  /** Same RabbitMQ over AMQP, as guest: amqp://guest:guest@127.0.0.1:PORT */
  'rabbitmq-amqp': { env: 'SMARTHOME_TEST_RABBITMQ_AMQP_URL', example: 'amqp://guest:guest@127.0.0.1:5673' },
  /** Its management HTTP API (user guest/guest): http://127.0.0.1:PORT */
  'rabbitmq-management': { env: 'SMARTHOME_TEST_RABBITMQ_MANAGEMENT_URL', example: 'http://127.0.0.1:15673' },
  /** A second RabbitMQ with allow_anonymous false: mqtt://127.0.0.1:PORT */
  'rabbitmq-auth-mqtt': { env: 'SMARTHOME_TEST_RABBITMQ_AUTH_MQTT_URL', example: 'mqtt://127.0.0.1:11893' },
  /** That instance over AMQP, as guest. */
  'rabbitmq-auth-amqp': { env: 'SMARTHOME_TEST_RABBITMQ_AUTH_AMQP_URL', example: 'amqp://guest:guest@127.0.0.1:5683' },
  /** NAME:PASS of the extra (non-guest) user of that instance. */
  'rabbitmq-auth-user': { env: 'SMARTHOME_TEST_RABBITMQ_AUTH_USER', example: 'device:device-secret' },
  /** mosquitto, anonymous allowed: mqtt://127.0.0.1:PORT */
  mosquitto: { env: 'SMARTHOME_TEST_MOSQUITTO_URL', example: 'mqtt://127.0.0.1:11884' },
} as const;
export type ServiceName = keyof typeof SERVICES;

/** The CI flag as CI systems set it (`CI=true`, `CI=1`); empty, `0` and `false` do not count. */
export function inCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** Why a service is missing and how to provide it. */
export function missingServiceMessage(name: ServiceName): string {
  const { env, example } = SERVICES[name];
  return `${env} is not set (e.g. ${env}=${example}); ${START_ALL}`;
}

const warned = new Set<ServiceName>();

/**
 * The URL (or value) of a service broker started by `.ci/run`.
 * Missing: in CI this throws, so the test file fails instead of being skipped; locally it warns
 * once and returns undefined, for `describe.skipIf(!url)`.
 */
export function requireService(name: ServiceName): string | undefined {
  const value = process.env[SERVICES[name].env];
  if (value) return value;
  const message = missingServiceMessage(name);
  if (inCI()) throw new Error(`test service '${name}' missing in CI: ${message}`);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`skipping tests that need ${name}: ${message}`);
  }
  try {
    mkdirSync(SKIPPED_SERVICES_DIR, { recursive: true });
    appendFileSync(path.join(SKIPPED_SERVICES_DIR, String(process.pid)), `${callingTestFile()}\t${name}\n`);
  } catch {
    // Only the summary line at the end would miss this suite.
  }
  return undefined;
}

/** `NAME:PASS` split at the first colon. */
export function parseUserPass(value: string): { username: string; password: string } {
  const i = value.indexOf(':');
  if (i <= 0) throw new Error(`expected NAME:PASS, got '${value}'`);
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// Ports and readiness
// ---------------------------------------------------------------------------------------------

/** A currently free TCP port on 127.0.0.1 (outside 35672-35682, which rabbitmqctl uses). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    if (port < 35672 || port > 35682) return port;
  }
}

/** Waits until an MQTT 3.1.1 CONNECT on port is answered with CONNACK 0. */
export async function waitForMqtt(
  port: number,
  opts: { user?: string; pass?: string; timeoutMs?: number; alive?: () => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let last: number | null = null;
  for (;;) {
    if (opts.alive && !opts.alive()) throw new Error(`broker on port ${port} exited before it was ready`);
    last = await probeMqtt({ port, user: opts.user, pass: opts.pass, timeoutMs: 1000 });
    if (last === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`MQTT on 127.0.0.1:${port} not ready: ${last === null ? 'no CONNACK' : `CONNACK ${last}`}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------
// A private mosquitto per test
// ---------------------------------------------------------------------------------------------

export interface MosquittoOptions {
  /** Default: a free port. */
  port?: number;
  /** Users for a password file (mosquitto_passwd -b). */
  users?: Array<{ username: string; password: string }>;
  /** Default true. */
  allowAnonymous?: boolean;
  /** Readiness timeout, default 10 s. */
  timeoutMs?: number;
  /** Keep sessions and queued QoS 1 messages across halt()/restart() (mosquitto.db in the directory). Default false. */
  persistence?: boolean;
}

export interface MosquittoInstance {
  readonly port: number;
  readonly url: string;
  /** Config, password file and mosquitto.log; removed by stop(). */
  readonly dir: string;
  /** Pid of the running broker (changes on restart). */
  readonly pid: number;
  readonly running: boolean;
  /** SIGKILL now (a crash): clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port after kill() or halt(). */
  restart(): Promise<void>;
  /** SIGTERM, wait, then SIGKILL; keeps the directory so restart() works. */
  halt(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung broker that keeps its sockets open. */
  pause(): void;
  resume(): void;
  /** halt() and remove the directory. Safe to call twice. */
  stop(): Promise<void>;
  /** The broker log so far. */
  log(): Promise<string>;
}

const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort when a test forgets its cleanup: never leave a broker behind.
    process.once('exit', () => {
      for (const c of liveChildren) {
        try {
          if (c.pid) process.kill(-c.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    });
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const done = exited(child);
  try {
    process.kill(-child.pid, 'SIGCONT');
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, graceMs);
  await done;
  clearTimeout(timer);
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<MosquittoInstance> {
  const port = opts.port ?? (await freePort());
  const dir = await mkdtemp(path.join(tmpdir(), `mosquitto-${port}-`));
  const conf = path.join(dir, 'mosquitto.conf');
  const logFile = path.join(dir, 'mosquitto.log');
  const lines = [
    'user root', // private test instance: keep the caller's user, files stay readable
    ...(opts.persistence ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']),
    'log_dest stderr',
    'log_type all',
    'per_listener_settings false',
    `allow_anonymous ${opts.allowAnonymous ?? true}`,
    `listener ${port} 127.0.0.1`,
  ];
  if (opts.users?.length) {
    const passwd = path.join(dir, 'passwd');
    await writeFile(passwd, '');
    await chmod(passwd, 0o600);
    for (const u of opts.users) await execFileAsync('mosquitto_passwd', ['-b', passwd, u.username, u.password]);
    lines.push(`password_file ${passwd}`);
  }
  await writeFile(conf, `${lines.join('\n')}\n`);
  const probeUser = opts.users?.[0];

  let child: ChildProcess | undefined;
  let removed = false;
  const launch = async (): Promise<void> => {
    const log = await open(logFile, 'a');
    try {
      const c = spawn('mosquitto', ['-c', conf], { detached: true, stdio: ['ignore', log.fd, log.fd] });
      child = c;
      trackChild(c);
      await new Promise<void>((resolve, reject) => {
        c.once('spawn', resolve);
        c.once('error', reject);
      });
      await waitForMqtt(port, {
        user: probeUser?.username ?? 'guest',
        pass: probeUser?.password ?? 'guest',
        timeoutMs: opts.timeoutMs ?? 10_000,
        alive: () => c.exitCode === null && c.signalCode === null,
      });
    } catch (err) {
      if (child) await terminate(child, 0);
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      throw new Error(`mosquitto on port ${port} failed to start: ${(err as Error).message}\n${tail}`);
    } finally {
      await log.close();
    }
  };
  await launch();

  const instance: MosquittoInstance = {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    get running() {
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    async kill() {
      if (child) await terminate(child, 0);
    },
    async halt() {
      if (child) await terminate(child, 5000);
    },
    async restart() {
      if (removed) throw new Error('mosquitto instance was stopped for good');
      if (instance.running) await instance.halt();
      await launch();
    },
    pause() {
      if (child?.pid) process.kill(-child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid) process.kill(-child.pid, 'SIGCONT');
    },
    async stop() {
      await instance.halt();
      if (!removed) {
        removed = true;
        await rm(dir, { recursive: true, force: true });
      }
    },
    log: () => readFile(logFile, 'utf8'),
  };
  return instance;
}

// ---------------------------------------------------------------------------------------------
// A private RabbitMQ through scripts/rabbitmq
// ---------------------------------------------------------------------------------------------

export interface RabbitmqOptions {
  /** Default: free ports (the AMQP and distribution ports too). */
  mqttPort?: number;
  amqpPort?: number;
  distPort?: number;
  /** Default <repo>/.cache/rabbitmq-<mqttPort>. */
  instanceDir?: string;
  /** allow_anonymous false. */
  noAnonymous?: boolean;
  users?: Array<{ username: string; password: string }>;
  /** rabbitmq_mqtt only (stops in ~1.5 s instead of ~6 s). Default true. */
  minimal?: boolean;
  /** Management, STOMP and Web-STOMP ports when minimal is false (default: free ports). */
  managementPort?: number;
  stompPort?: number;
  webStompPort?: number;
  /** Discard stored state first (cold start). */
  fresh?: boolean;
  /** Readiness timeout in seconds, default 60. */
  timeoutS?: number;
}

export interface RabbitmqInstance {
  readonly mqttPort: number;
  readonly amqpPort: number;
  readonly mqttUrl: string;
  /** As guest/guest. */
  readonly amqpUrl: string;
  readonly managementUrl: string | undefined;
  readonly pid: number;
  readonly instanceDir: string;
  /** The <instance dir>/env file written by start.sh. */
  readonly env: Record<string, string>;
  /** The options it was started with (ports resolved), for a restart. */
  readonly options: RabbitmqOptions;
}

async function runScript(script: string, args: string[], timeoutMs: number): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(path.join(RABBITMQ_SCRIPTS, script), args, {
      cwd: REPO_ROOT,
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: 4 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Starts (or finds already running, with the same options) a RabbitMQ via scripts/rabbitmq/start.sh. */
export async function startRabbitmq(opts: RabbitmqOptions = {}): Promise<RabbitmqInstance> {
  const mqttPort = opts.mqttPort ?? (await freePort());
  const amqpPort = opts.amqpPort ?? (await freePort());
  const distPort =
    opts.distPort ??
    (amqpPort + 20000 <= 65535 && (amqpPort < 15672 || amqpPort > 15682) ? undefined : await freePort());
  const minimal = opts.minimal ?? true;
  const resolved: RabbitmqOptions = { ...opts, mqttPort, amqpPort, distPort, minimal };
  const args = ['--mqtt-port', String(mqttPort), '--amqp-port', String(amqpPort)];
  if (distPort !== undefined) args.push('--dist-port', String(distPort));
  if (opts.instanceDir) args.push('--instance-dir', opts.instanceDir);
  if (opts.noAnonymous) args.push('--no-anonymous');
  for (const u of opts.users ?? []) args.push('--user', `${u.username}:${u.password}`);
  if (minimal) args.push('--minimal');
  else {
    if (opts.managementPort) args.push('--management-port', String(opts.managementPort));
    if (opts.stompPort) args.push('--stomp-port', String(opts.stompPort));
    if (opts.webStompPort) args.push('--web-stomp-port', String(opts.webStompPort));
  }
  if (opts.fresh) args.push('--fresh');
  const timeoutS = opts.timeoutS ?? 60;
  args.push('--timeout', String(timeoutS));
  await runScript('start.sh', args, (timeoutS + 30) * 1000);

  const instanceDir = opts.instanceDir
    ? path.resolve(REPO_ROOT, opts.instanceDir)
    : path.join(REPO_ROOT, '.cache', `rabbitmq-${mqttPort}`);
  const env = parseEnvFile(await readFile(path.join(instanceDir, 'env'), 'utf8'));
  return {
    mqttPort,
    amqpPort,
    mqttUrl: env.RABBITMQ_MQTT_URL ?? `mqtt://127.0.0.1:${mqttPort}`,
    amqpUrl: env.RABBITMQ_AMQP_URL ?? `amqp://guest:guest@127.0.0.1:${amqpPort}`,
    managementUrl: env.RABBITMQ_MANAGEMENT_URL,
    pid: Number(env.RABBITMQ_PID),
    instanceDir: env.RABBITMQ_INSTANCE_DIR ?? instanceDir,
    env,
    options: resolved,
  };
}

/**
 * Stops a RabbitMQ started by startRabbitmq (scripts/rabbitmq/stop.sh). `kill`: SIGKILL at once
 * (a crash, or when the state is not needed); `purge`: delete the instance directory.
 */
export async function stopRabbitmq(
  target: Pick<RabbitmqInstance, 'instanceDir'>,
  opts: { kill?: boolean; purge?: boolean; timeoutS?: number } = {},
): Promise<void> {
  const args = ['--instance-dir', target.instanceDir];
  if (opts.kill) args.push('--kill');
  if (opts.purge) args.push('--purge');
  const timeoutS = opts.timeoutS ?? 15;
  args.push('--timeout', String(timeoutS));
  await runScript('stop.sh', args, (timeoutS + 15) * 1000);
}

/** Stops (gracefully, or with SIGKILL when `kill`) and starts again with the same ports and state. */
export async function restartRabbitmq(
  instance: RabbitmqInstance,
  opts: { kill?: boolean } = {},
): Promise<RabbitmqInstance> {
  await stopRabbitmq(instance, { kill: opts.kill });
  return startRabbitmq({ ...instance.options, instanceDir: instance.instanceDir, fresh: false });
}
