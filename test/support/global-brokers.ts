/**
 * Vitest global setup: the service brokers for `npm test` on a contributor's machine.
 *
 * - SMARTHOME_TEST_* already set (`.ci/run`, or `source .ci/run.d/brokers.sh`): used as they are.
 * - In CI: nothing is started here; `.ci/run` starts the brokers, and a suite whose service is missing
 *   fails (requireService).
 * - Otherwise, with RabbitMQ and mosquitto installed: starts them through `.ci/run.d/brokers.sh` (in
 *   `.cache/test-brokers/`, on its usual ports when those are free, else on free ones), exports their
 *   SMARTHOME_TEST_* variables to the test workers, and stops them at the end.
 * - Not when none of the test files of this run needs a service (`npx vitest run test/home/`): the
 *   start costs about a minute.
 * - Without them, or with SMARTHOME_TEST_START_BROKERS=0 (a quick run without the ~1 min broker
 *   start): the suites that need a broker are skipped (requireService records which), and the run ends
 *   with one line naming them and the command that installs what they need.
 */
import { execFile, execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, inCI, REPO_ROOT, SERVICES, SKIPPED_SERVICES_DIR } from './brokers.js';

const execFileAsync = promisify(execFile);
const BROKERS_SH = '.ci/run.d/brokers.sh';
export const INSTALL_COMMAND = 'npm run setup:system';
/** The Debian packages brokers.sh needs (scripts/rabbitmq/install.sh installs them otherwise, as root). */
const PACKAGES = ['rabbitmq-server', 'python3-pika', 'mosquitto', 'mosquitto-clients'];
/** brokers.sh's port variables and their defaults (the CI ports). */
const DEFAULT_PORTS: Record<string, number> = {
  BROKERS_MQTT_PORT: 11883,
  BROKERS_AMQP_PORT: 5673,
  BROKERS_DIST_PORT: 25673,
  BROKERS_MANAGEMENT_PORT: 15673,
  BROKERS_STOMP_PORT: 61614,
  BROKERS_WEB_STOMP_PORT: 15676,
  BROKERS_AUTH_MQTT_PORT: 11893,
  BROKERS_AUTH_AMQP_PORT: 5683,
  BROKERS_AUTH_DIST_PORT: 25683,
  BROKERS_MOSQUITTO_PORT: 11884,
};

export function brokersInstalled(): boolean {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} format, not a template
    const out = execFileSync('dpkg-query', ['-W', '-f=${Package} ${Status}\\n', ...PACKAGES], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return PACKAGES.every((p) => out.includes(`${p} install ok installed`));
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** The CI ports when every one is free (another checkout's brokers may hold them), else free ports. */
async function choosePorts(): Promise<Record<string, string>> {
  const free = await Promise.all(Object.values(DEFAULT_PORTS).map(portFree));
  const ports: Record<string, string> = {};
  const taken = new Set<number>();
  for (const name of Object.keys(DEFAULT_PORTS)) {
    let port = DEFAULT_PORTS[name]!;
    if (!free.every(Boolean)) {
      do port = await freePort();
      while (taken.has(port));
    }
    taken.add(port);
    ports[name] = String(port);
  }
  return ports;
}

function skippedSuites(): Map<string, Set<string>> {
  const suites = new Map<string, Set<string>>();
  let files: string[] = [];
  try {
    files = readdirSync(SKIPPED_SERVICES_DIR);
  } catch {
    return suites;
  }
  for (const f of files) {
    for (const line of readFileSync(path.join(SKIPPED_SERVICES_DIR, f), 'utf8').split('\n')) {
      const [file, service] = line.split('\t');
      if (!file || !service) continue;
      if (!suites.has(file)) suites.set(file, new Set());
      suites.get(file)!.add(service);
    }
  }
  return suites;
}

/** One line at the end of the run when suites were skipped for want of a broker. */
function reportSkipped(why: string): void {
  const suites = skippedSuites();
  rmSync(SKIPPED_SERVICES_DIR, { recursive: true, force: true });
  if (suites.size === 0) return;
  const list = [...suites]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, services]) => `${file} (${[...services].join(', ')})`);
  console.warn(
    `\nskipped ${suites.size} suites that need brokers (${why}): ${list.join(', ')}; install what they need ` +
      `with: ${INSTALL_COMMAND}`,
  );
}

/** Whether a test file of this run asks for a service broker (only test files call requireService). */
async function runNeedsBrokers(project: TestProject): Promise<boolean> {
  // The file filters of the command line (`vitest run test/e2e/`); vitest keeps them on its instance.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const { testFiles } = await project.globTestFiles(filters);
  return testFiles.some((f) => readFileSync(f, 'utf8').includes('requireService('));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(SKIPPED_SERVICES_DIR, { recursive: true, force: true });
  mkdirSync(SKIPPED_SERVICES_DIR, { recursive: true });
  const missing = Object.values(SERVICES).filter((s) => !process.env[s.env]);
  if (missing.length === 0 || inCI()) return async () => reportSkipped('not started in CI');
  if (process.env['SMARTHOME_TEST_START_BROKERS'] === '0')
    return async () => reportSkipped('SMARTHOME_TEST_START_BROKERS=0');
  if (!(await runNeedsBrokers(project))) return async () => reportSkipped('not needed');
  if (!brokersInstalled()) return async () => reportSkipped(`${PACKAGES.join(', ')} not all installed`);

  const brokersDir = path.join(REPO_ROOT, '.cache', 'test-brokers');
  const env = { ...process.env, BROKERS_DIR: brokersDir, ...(await choosePorts()) };
  const t0 = Date.now();
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('bash', ['-c', `source ${BROKERS_SH} >&2 && env`], {
      cwd: REPO_ROOT,
      env,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    }));
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    // Whatever did start is stopped again; the suites then skip with the reason below.
    await execFileAsync('bash', ['-c', `BROKERS_NO_START=1 source ${BROKERS_SH} && brokers_stop`], {
      cwd: REPO_ROOT,
      env,
    }).catch(() => undefined);
    const tail = (err.stderr ?? err.message).trim().split('\n').slice(-5).join('\n');
    console.warn(`test brokers: could not start them (${BROKERS_SH}):\n${tail}`);
    return async () => reportSkipped(`${BROKERS_SH} failed`);
  }
  for (const line of stdout.split('\n')) {
    const m = /^(SMARTHOME_TEST_[A-Z_]+)=(.*)$/.exec(line);
    if (m) process.env[m[1]!] = m[2]!;
  }
  console.warn(
    `test brokers: RabbitMQ (${process.env['SMARTHOME_TEST_RABBITMQ_MQTT_URL']}, ` +
      `${process.env['SMARTHOME_TEST_RABBITMQ_AUTH_MQTT_URL']}) and mosquitto ` +
      `(${process.env['SMARTHOME_TEST_MOSQUITTO_URL']}) started in ${Math.round((Date.now() - t0) / 1000)} s; ` +
      'stopped when the run ends',
  );
  return async () => {
    await execFileAsync('bash', ['-c', `BROKERS_NO_START=1 source ${BROKERS_SH} && brokers_stop`], {
      cwd: REPO_ROOT,
      env,
      timeout: 120_000,
    }).catch((e: Error) => console.warn(`test brokers: stopping them failed: ${e.message}`));
    // Every start is --fresh: nothing in the instance directories is worth keeping.
    rmSync(brokersDir, { recursive: true, force: true });
    reportSkipped('they did not start');
  };
}
