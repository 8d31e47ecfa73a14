import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from './core/errors.js';
import { VERSION } from './core/version.js';
import type { DevicesConfig } from './config/schema.js';
import { RealClock, type Clock } from './environment/clock.js';
import { createLink, type LinkSpec } from './links/create.js';
import type { Link } from './links/link.js';
import { BusClient, redactUrl } from './bus/client.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './bus/embedded-broker.js';
import { Bridge } from './bridge.js';
import { AmqpEmergencyListener, amqpUrlWithCredentials } from './bus/amqp-emergency.js';
import { EmergencyReaction } from './emergency-reaction.js';
import { RtdbFile } from './rtdb-file.js';

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
  tls?: { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean } | undefined;
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
      broker = await startEmbeddedBroker(o.embeddedBroker);
      cleanups.push(() => broker!.close());
      brokerUrl = broker.url;
      log.info({ url: broker.url }, 'embedded MQTT broker listening');
    }

    const link = isLink(o.link) ? o.link : await createLink(o.link, { config: o.config, clock, logger: log.child({ part: 'link' }) });
    const bus: BusClient = new BusClient({
      url: brokerUrl,
      clientId: o.clientId ?? o.config.bus.clientId,
      username: o.username,
      password: o.password,
      keepaliveS: o.config.bus.keepaliveS,
      subscriptions: [{ filter: o.config.bus.commandFilter, qos: 0 }],
      outboxCapacity: o.outboxCapacity ?? o.config.bus.queue.capacity,
      outboxPolicy: { latestWins: o.config.bus.queue.latestWins, dropOrder: o.config.bus.queue.dropOrder },
      queueFile: o.queueFile ? { path: o.queueFile, fsyncIntervalMs: o.config.bus.queue.fsyncIntervalMs } : undefined,
      pubackTimeoutMs: o.config.bus.pubackTimeoutMs,
      tls: o.tls,
      logger: log.child({ part: 'bus' }),
    });
    const bridge = new Bridge({ config: o.config, link, bus, clock, logger: log.child({ part: 'bridge' }), version: VERSION });
    const willRoute = o.config.bus.routes.availability;
    bridge.attach();
    const fatal = new Promise<BridgeError>((resolve) => bus.on('fatal', resolve));

    // The will is set before connecting: the broker announces us offline if we vanish.
    const connected = bus.start({ topic: willRoute.topic, payload: JSON.stringify(bridge.availability('offline')), qos: willRoute.qos, retain: willRoute.retain });
    cleanups.push(() => bus.stop());
    const waitMs = o.connectWaitMs ?? 5000;
    const first = await Promise.race([
      connected.then(() => 'connected' as const),
      new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), waitMs).unref()),
    ]);
    if (first === 'waiting') {
      log.info(`broker ${redactUrl(brokerUrl)} not connected within ${waitMs} ms; the home starts meanwhile, its reports are queued until the broker answers`);
      connected.catch(() => undefined);
    }

    // From the link, not the bus: the file shows the device's state even while the broker is away.
    const rtdb = o.rtdbFile ? await RtdbFile.open(o.rtdbFile, log.child({ part: 'rtdb' })) : undefined;
    if (rtdb) {
      link.on('status', (r) => rtdb.status(r.status));
      link.on('sensor', (r) => rtdb.sensor(r));
      cleanups.push(() => rtdb.flush());
    }

    await link.start();
    cleanups.push(() => link.stop());
    if (rtdb && link.status !== undefined) rtdb.status(link.status);
    cleanups.push(() => bridge.stop());

    let emergency: Runtime['emergency'];
    if (o.amqpUrl) {
      const listener = new AmqpEmergencyListener({
        url: amqpUrlWithCredentials(o.amqpUrl, o.username, o.password),
        exchange: o.config.emergency.exchange,
        logger: log.child({ part: 'emergency' }),
      });
      const reaction = new EmergencyReaction({ bridge, link, command: o.config.emergency.command, homeId: o.config.device.id, clock, logger: log.child({ part: 'emergency' }) });
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
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e instanceof BridgeError ? e : new BridgeError(ErrorCode.INTERNAL, (e as Error).message);
  }
}

function isLink(v: LinkSpec | Link): v is Link {
  return typeof (v as Link).apply === 'function';
}
