import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  REPO_ROOT,
  startMosquitto,
  startRabbitmq,
  stopRabbitmq,
  type RabbitmqInstance,
} from '../../support/brokers.js';
import { Proc } from './processes.js';

/** A broker a fault test may kill (SIGKILL: a crash) and start again on the same port. */
export interface RestartableBroker {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const AEDES_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'aedes-process.mjs');

/** aedes in a process of its own (tests/faults/support/aedes-process.mjs). */
export async function aedesProcess(): Promise<RestartableBroker> {
  const port = await freePort();
  let proc: Proc | undefined;
  const launch = async (): Promise<void> => {
    proc = new Proc(process.execPath, [AEDES_SCRIPT, String(port)]);
    await proc.waitFor(/listening \d+/, 20_000);
  };
  await launch();
  return {
    name: 'aedes',
    port,
    url: `mqtt://127.0.0.1:${port}`,
    kill: async () => proc?.kill(),
    restart: launch,
    stop: async () => proc?.kill(),
  };
}

/** A private mosquitto (test/support/brokers.ts). */
export async function mosquittoProcess(): Promise<RestartableBroker> {
  const m = await startMosquitto();
  return {
    name: 'mosquitto',
    port: m.port,
    url: m.url,
    kill: () => m.kill(),
    restart: () => m.restart(),
    stop: () => m.stop(),
  };
}

/**
 * A private RabbitMQ (scripts/rabbitmq via test/support/brokers.ts) in its own instance directory,
 * removed again if the start fails. Cold start ~10 s, warm restart ~5 s; the readiness timeout is
 * generous because a loaded machine takes several times that.
 */
export async function startPrivateRabbitmq(): Promise<RabbitmqInstance> {
  const instanceDir = path.join(REPO_ROOT, '.cache', `rabbitmq-fault-${process.pid}-${await freePort()}`);
  try {
    return await startRabbitmq({ fresh: true, minimal: true, timeoutS: 150, instanceDir });
  } catch (e) {
    await stopRabbitmq({ instanceDir }, { kill: true, purge: true }).catch(() => undefined);
    throw e;
  }
}

export async function rabbitmqProcess(): Promise<RestartableBroker> {
  let r = await startPrivateRabbitmq();
  const dir = r.instanceDir;
  return {
    name: 'rabbitmq',
    port: r.mqttPort,
    url: r.mqttUrl,
    kill: () => stopRabbitmq({ instanceDir: dir }, { kill: true }),
    restart: async () => {
      r = await startRabbitmq({ ...r.options, instanceDir: dir, fresh: false });
    },
    stop: () => stopRabbitmq({ instanceDir: dir }, { kill: true, purge: true }),
  };
}
