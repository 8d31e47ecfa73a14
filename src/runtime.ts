import type { Logger } from 'pino';
import { BridgeError, ErrorCode, toBridgeError } from './core/errors.js';
import { VERSION } from './core/version.js';
import type { DevicesConfig } from './config/schema.js';
import { RealClock, type Clock } from './environment/clock.js';
import { createLink, type LinkSpec } from './links/create.js';
import { isLink, type Link } from './links/link.js';
import { busClientOptions } from './bus/bus-options.js';
import { BusClient, redactUrl } from './bus/client.js';
import type { EmbeddedBroker } from './bus/embedded-broker.js';
import { Bridge } from './bridge.js';
import { AmqpEmergencyListener, amqpUrlWithCredentials } from './bus/amqp-emergency.js';
import { EmergencyReaction } from './emergency-reaction.js';
import { RtdbFile } from './rtdb-file.js';
import { chooseBootStatus, restoreCommands, type BootStatus } from './restore.js';
import { StateFile } from './state-file.js';
import type { StatusString } from './home/types.js';
import type { TlsOptions } from './bus/tls-options.js';

/**
 * The composition root: builds broker, link, bus client and bridge, starts them one by one, and stops
 * them in reverse. Library users and the CLI both go through here.
 */
export interface RuntimeOptions {
  config: DevicesConfig;
  link: LinkSpec | Link;
  logger: Logger;
  clock?: Clock;
  /** Broker URL; absent → an embedded broker is started. */
  brokerUrl?: string | undefined;
  embeddedBroker?: { host?: string; port?: number } | undefined;
  username?: string | undefined;
  password?: string | undefined;
  clientId?: string | undefined;
  tls?: TlsOptions | undefined;
  /** Overrides devices.json bus.queue.capacity. */
  outboxCapacity?: number | undefined;
  /** Journal of unconfirmed reports: they survive a crash or restart of the bridge (--queue-file). */
  queueFile?: string | undefined;
  /** How long to wait for the first broker connection before serving anyway (reports are queued). */
  connectWaitMs?: number | undefined;
  /**
   * AMQP URL of the RabbitMQ behind the bus (--amqp-url): the bridge listens there for emergency
   * broadcasts on devices.json emergency.exchange. Without a user of its own it logs in with
   * username/password.
   */
  amqpUrl?: string | undefined;
  /** Keep the home's state in this file, in the shape of the original backend's realtimedb.json (--rtdb-file). */
  rtdbFile?: string | undefined;
  /** Keep the home's last status in this file, to restore it after a restart (--state-file). */
  stateFile?: string | undefined;
  /** The status to boot with when neither file holds one (--initial-status; default 000000000). */
  initialStatus?: string | undefined;
}

export interface Runtime {
  readonly link: Link;
  readonly bridge: Bridge;
  readonly bus: BusClient;
  readonly broker: EmbeddedBroker | undefined;
  readonly brokerUrl: string;
  readonly clock: Clock;
  /** Resolves when the broker refuses the bridge for good (then the process should exit ≠ 0). */
  readonly fatal: Promise<BridgeError>;
  /** The emergency listener and the home's reaction, with --amqp-url. */
  readonly emergency: { listener: AmqpEmergencyListener; reaction: EmergencyReaction } | undefined;
  /** The realtimedb.json view of the home, with --rtdb-file. */
  readonly rtdb: RtdbFile | undefined;
  /** The bridge's own record of the last status, with --state-file. */
  readonly stateFile: StateFile | undefined;
  /** The status the home was brought back to at start, and where it came from (src/restore.ts). */
  readonly restored: BootStatus;
  stop(): Promise<void>;
}

export async function startRuntime(o: RuntimeOptions): Promise<Runtime> {
  const log = o.logger;
  const clock = o.clock ?? new RealClock();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => log.warn({ err: String(e) }, 'cleanup failed'));
  };
  try {
    let broker: EmbeddedBroker | undefined;
    let brokerUrl = o.brokerUrl;
    if (!brokerUrl) {
      // Loaded when used: a fleet process (which loads every command's modules) has no use for aedes.
      const { startEmbeddedBroker } = await import('./bus/embedded-broker.js');
      broker = await startEmbeddedBroker(o.embeddedBroker);
      cleanups.push(() => broker!.close());
      brokerUrl = broker.url;
      log.info({ url: broker.url }, 'embedded MQTT broker listening');
    }

    // Where the home's last status is (before the link exists: the emulated home boots straight into it).
    const rtdb = o.rtdbFile ? await RtdbFile.open(o.rtdbFile, log.child({ part: 'rtdb' })) : undefined;
    const boot = await chooseBootStatus({ rtdb, stateFile: o.stateFile, initialStatus: o.initialStatus }, log);
    if (boot.from !== 'default')
      log.info({ status: boot.status, from: boot.from }, `restoring status ${boot.status} from ${boot.from}`);
    const stateFile = o.stateFile
      ? new StateFile(o.stateFile, {
          logger: log.child({ part: 'state' }),
          stored: boot.stateFileStatus,
          now: () => clock.now(),
        })
      : undefined;
    if (stateFile) cleanups.push(() => stateFile.flush());
    if (rtdb) cleanups.push(() => rtdb.flush());
    // Status reports reach the files only once the stored status is back on the device.
    let persist = false;
    const persistStatus = (status: StatusString): void => {
      if (!persist) return;
      rtdb?.status(status);
      stateFile?.save(status);
    };

    const spec =
      isLink(o.link) || o.link.kind !== 'emulated'
        ? o.link
        : { ...o.link, initialStatus: o.link.initialStatus ?? boot.status };
    const link = isLink(spec)
      ? spec
      : await createLink(spec, { config: o.config, clock, logger: log.child({ part: 'link' }) });
    const bus: BusClient = new BusClient(
      busClientOptions(o.config, {
        url: brokerUrl,
        clientId: o.clientId ?? o.config.bus.clientId,
        username: o.username,
        password: o.password,
        outboxCapacity: o.outboxCapacity,
        queueFile: o.queueFile ? { path: o.queueFile, fsyncIntervalMs: o.config.bus.queue.fsyncIntervalMs } : undefined,
        tls: o.tls,
        logger: log.child({ part: 'bus' }),
      }),
    );
    const bridge = new Bridge({
      config: o.config,
      link,
      bus,
      clock,
      logger: log.child({ part: 'bridge' }),
      version: VERSION,
      observer: { status: (r) => persistStatus(r.status) },
    });
    bridge.attach();
    const fatal = new Promise<BridgeError>((resolve) => bus.on('fatal', resolve));

    // The will is set before connecting: the broker announces us offline if we vanish.
    const connected = bus.start(bridge.offlineWill());
    cleanups.push(() => bus.stop());
    const waitMs = o.connectWaitMs ?? 5000;
    const first = await Promise.race([
      connected.then(() => 'connected' as const),
      new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), waitMs).unref()),
    ]);
    if (first === 'waiting') {
      log.info(
        `broker ${redactUrl(brokerUrl)} not connected within ${waitMs} ms; the home starts meanwhile, its ` +
          'reports are queued until the broker answers',
      );
      connected.catch(() => undefined);
    }

    // From the link, not the bus: the file shows the device's state even while the broker is away.
    if (rtdb) link.on('sensor', (r) => rtdb.sensor(r));

    bridge.holdStatus();
    await link.start();
    cleanups.push(() => link.stop());
    cleanups.push(() => bridge.stop());
    const back = await bringBack(link, bridge, boot, clock, log);
    persist = true;
    if (back && link.status !== undefined) persistStatus(link.status);

    let emergency: Runtime['emergency'];
    if (o.amqpUrl) {
      const listener = new AmqpEmergencyListener({
        url: amqpUrlWithCredentials(o.amqpUrl, o.username, o.password),
        exchange: o.config.emergency.exchange,
        logger: log.child({ part: 'emergency' }),
      });
      const reaction = new EmergencyReaction({
        bridge,
        link,
        command: o.config.emergency.command,
        homeId: o.config.device.id,
        clock,
        logger: log.child({ part: 'emergency' }),
      });
      listener.on('emergency', (m) => reaction.trigger(m));
      listener.on('problem', (e) => bridge.reportProblem(e, 'amqp'));
      // After the link: a broadcast must find the device ready. A failed first attempt is reported and
      // retried in the background; the home serves the bus meanwhile.
      cleanups.push(() => listener.stop());
      await listener.start();
      emergency = { listener, reaction };
    }

    return {
      link,
      bridge,
      bus,
      broker,
      brokerUrl,
      clock,
      fatal,
      emergency,
      rtdb,
      stateFile,
      restored: boot,
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e instanceof BridgeError ? e : new BridgeError(ErrorCode.INTERNAL, (e as Error).message);
  }
}

/**
 * After the handshake: a board boots off, so the host brings it back to the stored status (one or two
 * commands, src/restore.ts), through the bridge's one-command-at-a-time path. The reports the device made
 * meanwhile are replaced by one status report with cause `restore`. If the device does not take it,
 * the failure is reported and what the device really holds is published, but not written to the files
 * (they keep the stored status until the next real change).
 */
async function bringBack(link: Link, bridge: Bridge, boot: BootStatus, clock: Clock, log: Logger): Promise<boolean> {
  // Nothing stored: the device keeps what it holds (a board that was not reset, a home built by its owner).
  const steps = link.status === undefined || boot.from === 'default' ? [] : restoreCommands(link.status, boot.status);
  if (steps.length === 0) {
    bridge.releaseStatus();
    return true;
  }
  try {
    const status = await bridge.serialized(async (apply) => {
      let s = link.status!;
      for (const command of steps) s = await apply(command);
      return s;
    });
    bridge.releaseStatus({ status, cause: 'restore', time: clock.now() });
    log.info({ status, from: boot.from, commands: steps }, `device brought back to ${status}`);
    return true;
  } catch (e) {
    const err = toBridgeError(e);
    bridge.releaseStatus();
    bridge.reportProblem(
      new BridgeError(
        err.code,
        `could not bring the device back to ${boot.status} (from ${boot.from}): ${err.message}`,
      ),
      'restore',
    );
    return false;
  }
}
