import type { Logger } from 'pino';
import { Bridge, type BridgeObserver } from '../bridge.js';
import { BusClient } from '../bus/client.js';
import { ReportSequence } from '../bus/report-sequence.js';
import type { DevicesConfig } from '../config/schema.js';
import { VERSION } from '../core/version.js';
import type { Clock } from '../environment/clock.js';
import { EmulatedLink } from '../links/emulated.js';
import type { HomeAddress } from './addressing.js';
import { wallTimeMs } from './verify/wall-time.js';

/**
 * One virtual home of a fleet: the same emulated link, bridge and bus client as `run`, with its own
 * MQTT connection, client id, command address and environment seed, on the fleet's shared clock.
 */
export interface FleetHomeOptions {
  address: HomeAddress;
  /** The fleet's derived devices.json (shared by every home). */
  config: DevicesConfig;
  clock: Clock;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  tls?: { ca?: Buffer[] | undefined; cert?: Buffer | undefined; key?: Buffer | undefined; rejectUnauthorized: boolean } | undefined;
  keepaliveS: number;
  queueSize: number;
  logger: Logger;
  observer: BridgeObserver;
  /** Called for every sensor reading just after it was handed to the bus. */
  onReport?: (() => void) | undefined;
}

export class FleetHome {
  readonly address: HomeAddress;
  readonly link: EmulatedLink;
  readonly bus: BusClient;
  readonly bridge: Bridge;
  readonly #config: DevicesConfig;
  #booted = false;

  constructor(o: FleetHomeOptions) {
    this.address = o.address;
    this.#config = o.config;
    const { id, index } = o.address;
    // One child per home (a few hundred bytes): every log line names its home.
    const logger = o.logger.child({ home: id });
    this.link = new EmulatedLink({ config: o.config, clock: o.clock, seed: (o.config.environment.seed + index) >>> 0 });
    this.bus = new BusClient({
      url: o.url,
      clientId: o.address.clientId,
      username: o.username,
      password: o.password,
      keepaliveS: o.keepaliveS,
      subscriptions: [{ filter: o.address.commandFilter, qos: 0 }],
      outboxCapacity: o.queueSize,
      outboxPolicy: { latestWins: o.config.bus.queue.latestWins, dropOrder: o.config.bus.queue.dropOrder },
      // The PUBACK watchdog is one interval timer per connection; it only matters when a route uses QoS 1.
      pubackTimeoutMs: Object.values(o.config.bus.routes).some((r) => r.qos === 1) ? o.config.bus.pubackTimeoutMs : 0,
      // Spread over 1–3 s, so a broker restart is not answered by every home in the same millisecond.
      reconnectPeriodMs: 1000 + ((index * 997) % 2000),
      tls: o.tls,
      logger,
    });
    this.bridge = new Bridge({
      config: o.config,
      link: this.link,
      bus: this.bus,
      clock: o.clock,
      logger,
      homeId: id,
      commandFilter: o.address.commandFilter,
      version: VERSION,
      observer: o.observer,
      sequence: new ReportSequence(wallTimeMs),
    });
    this.bridge.attach();
    // After the bridge's own listener: the reading has been published when this runs.
    if (o.onReport) this.link.on('sensor', o.onReport);
  }

  get connected(): boolean {
    return this.bus.connected;
  }

  /**
   * Connects (with the offline will), then boots the home. Resolves once connected; rejects when the
   * broker refuses for good.
   */
  async start(): Promise<void> {
    const route = this.#config.bus.routes.availability;
    const will = JSON.stringify(this.bridge.availability('offline'));
    await this.bus.start({ topic: route.topic, payload: will, qos: route.qos, retain: route.retain });
    if (!this.#booted) {
      this.#booted = true;
      await this.link.start();
    }
  }

  async stop(): Promise<void> {
    await this.link.stop();
    await this.bridge.stop();
    await this.bus.stop();
  }
}
