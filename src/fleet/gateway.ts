import type { Logger } from 'pino';
import type { BridgeBus, BridgeBusEvents } from '../bus/bridge-bus.js';
import { BusClient, type BusStats } from '../bus/client.js';
import { Outbox, type OutgoingMessage } from '../bus/outbox.js';
import { iso, type RoutePayloads } from '../bus/payloads.js';
import type { DevicesConfig } from '../config/schema.js';
import { TypedEmitter } from '../core/events.js';
import { VERSION } from '../core/version.js';
import type { Clock } from '../environment/clock.js';
import { homeAddress, homeOfTopic } from './addressing.js';
import { fleetBusClientOptions, type FleetBrokerOptions } from './broker-options.js';

/**
 * Gateway mode (`fleet --connections K`): many homes share one MQTT connection, as behind a real home
 * hub or in Azure's device simulator. The connection is an ordinary BusClient (backoff, refusals, PUBACK
 * watchdog, one SUBSCRIBE with every home's command filter) with a will of its own; each home sits on it
 * through a GatewayHomeBus, the narrow BridgeBus its bridge needs, so the bridge's queue, error reports
 * and limits stay the home's own. Commands are routed to their home by the home id in the topic
 * (`webos/smarthome/<home>/…`): one Map lookup per message, whatever the number of homes.
 */

/** The id of gateway connection `g` of a fleet: `<prefix>-gw-<g>` (its client id and its `home`). */
export function gatewayId(prefix: string, g: number): string {
  return `${prefix}-gw-${g}`;
}

/** Command topic → home: what a gateway connection does with every message it receives. */
export class CommandRouter<H extends { deliver(topic: string, payload: Buffer): void }> {
  readonly #homes = new Map<string, H>();
  /** Messages for no home on this connection (not started yet, or a topic outside the address). */
  unrouted = 0;

  add(id: string, home: H): void {
    this.#homes.set(id, home);
  }

  remove(id: string): void {
    this.#homes.delete(id);
  }

  get size(): number {
    return this.#homes.size;
  }

  route(topic: string, payload: Buffer): boolean {
    const id = homeOfTopic(topic);
    const home = id === undefined ? undefined : this.#homes.get(id);
    if (!home) {
      this.unrouted++;
      return false;
    }
    home.deliver(topic, payload);
    return true;
  }
}

export interface GatewayConnectionOptions extends FleetBrokerOptions {
  /** Gateway number in the whole fleet (all shards): its id is `<prefix>-gw-<number>`. */
  number: number;
  prefix: string;
  /** Indices of the homes this connection carries (they subscribe whether started or not). */
  homes: readonly number[];
  config: DevicesConfig;
  clock: Clock;
  logger: Logger;
}

/** One shared MQTT connection of a gateway-mode fleet and the homes on it. */
export class GatewayConnection {
  readonly id: string;
  readonly bus: BusClient;
  readonly router = new CommandRouter<GatewayHomeBus>();
  readonly #o: GatewayConnectionOptions;
  readonly #homes: GatewayHomeBus[] = [];
  #started: Promise<void> | undefined;

  constructor(o: GatewayConnectionOptions) {
    this.#o = o;
    this.id = gatewayId(o.prefix, o.number);
    const logger = o.logger.child({ gateway: this.id });
    const base = fleetBusClientOptions(o.config, o, {
      clientId: this.id,
      // One filter per home, not `webos/smarthome/+/#`: the broker then sends each connection only its
      // own homes' commands, instead of every command of the fleet to every connection.
      commandFilters: o.homes.map((i) => homeAddress(o.prefix, i).commandFilter),
      spread: o.number,
      // Requeued publishes only (a home queues its own reports while the connection is down); no
      // latest-wins here: all homes share the report topics, and one home's status must not replace another's.
      outboxCapacity: Math.max(1, o.queueSize * o.homes.length),
      logger,
    });
    this.bus = new BusClient({
      ...base,
      outboxPolicy: { latestWins: [], dropOrder: o.config.bus.queue.dropOrder },
      onConnect: () => this.#announce('online'),
    });
    this.bus.on('message', (topic, payload) => this.router.route(topic, payload));
    this.bus.on('connected', () => {
      for (const h of this.#homes) h.connectionUp();
    });
  }

  get connected(): boolean {
    return this.bus.connected;
  }

  /** A home's place on this connection (call once per home, before starting it). */
  attach(homeId: string): GatewayHomeBus {
    const home = new GatewayHomeBus(this, homeId, this.#o.queueSize, this.#o.config);
    this.router.add(homeId, home);
    this.#homes.push(home);
    return home;
  }

  detach(home: GatewayHomeBus): void {
    this.router.remove(home.homeId);
  }

  /** Connects with the gateway's will (once; every home awaits the same first CONNACK). */
  start(): Promise<void> {
    this.#started ??= this.bus.start(this.#payload('offline'));
    return this.#started;
  }

  /** The gateway says offline (its homes have said so each) and disconnects without the will. */
  async stop(): Promise<void> {
    if (this.#started && this.bus.connected) this.#announce('offline');
    // DISCONNECT once the homes' goodbyes are written, or the socket is dropped after the grace.
    await this.bus.stop(STOP_GRACE_MS);
  }

  /** Ends the connection without DISCONNECT, so the broker publishes the will (tests). */
  destroy(): void {
    this.bus.destroy();
  }

  #announce(state: 'online' | 'offline'): void {
    const w = this.#payload(state);
    this.bus.publish({ route: 'availability', topic: w.topic, payload: w.payload, qos: w.qos, retain: w.retain });
  }

  /**
   * The gateway's own availability: `home` and `gateway` are its id, `link` is `gateway`, `homes` how many
   * homes it carries. Each home's availability names its gateway, so a consumer that sees this offline
   * (the will) knows which homes went with it.
   */
  #payload(state: 'online' | 'offline'): { topic: string; payload: string; qos: 0 | 1; retain: boolean } {
    const { topic, qos, retain } = this.#o.config.bus.routes.availability;
    const availability: RoutePayloads['availability'] = {
      Producer: 'smarthome',
      command: 'availability',
      home: this.id,
      time: iso(this.#o.clock.now()),
      state,
      link: 'gateway',
      gateway: this.id,
      homes: this.#o.homes.length,
      version: VERSION,
    };
    return { topic, payload: JSON.stringify(availability), qos, retain };
  }
}

/** How long a connection's clean stop may wait for its homes' offline messages to be written. */
const STOP_GRACE_MS = 5000;

/** The bridge's bus events, as an emitter's event map. */
interface HomeBusEvents extends BridgeBusEvents {
  [event: string]: unknown[];
}

const NO_DROPS = { takeUnreported: (): Record<string, number> => ({}) };

/**
 * One home on a gateway connection: its bridge's BridgeBus. Publishes go out on the shared connection
 * while it is up; while it is down they wait in the home's own bounded queue (created on first need: a
 * hundred thousand homes that never lose the broker hold none), with the home's latest-wins policy.
 * Counters are the home's own, so a fleet adds them up exactly as for homes with a connection each.
 */
export class GatewayHomeBus extends TypedEmitter<HomeBusEvents> implements BridgeBus {
  readonly homeId: string;
  readonly counters = { messagesIn: 0, messagesOut: 0, reconnects: 0, connects: 0 };
  readonly #gateway: GatewayConnection;
  readonly #queueSize: number;
  readonly #config: DevicesConfig;
  #queue: Outbox | undefined;
  #attached = false;
  #stopped = false;

  constructor(gateway: GatewayConnection, homeId: string, queueSize: number, config: DevicesConfig) {
    super();
    this.#gateway = gateway;
    this.homeId = homeId;
    this.#queueSize = queueSize;
    this.#config = config;
  }

  /** Up when the home has started and its connection is up. */
  get connected(): boolean {
    return this.#attached && !this.#stopped && this.#gateway.connected;
  }

  get outbox(): BridgeBus['outbox'] {
    return this.#queue ?? NO_DROPS;
  }

  /** Resolves once the shared connection is up (opening it if this is its first home). */
  async start(): Promise<void> {
    await this.#gateway.start();
    if (this.#attached) return;
    this.#attached = true;
    this.connectionUp();
  }

  /** The connection came up (again): queued reports go, then the bridge says it is online. */
  connectionUp(): void {
    if (!this.#attached || this.#stopped || !this.#gateway.connected) return;
    this.counters.connects++;
    if (this.counters.connects > 1) this.counters.reconnects++;
    // The connection's outbox tracks them in flight from here.
    for (const m of this.#queue?.takeAll() ?? []) this.#send(m);
    this.emit('connected');
  }

  deliver(topic: string, payload: Buffer): void {
    if (!this.#attached || this.#stopped) return;
    this.counters.messagesIn++;
    this.emit('message', topic, payload);
  }

  publish(message: OutgoingMessage): void {
    if (this.connected) this.#send(message);
    else if (!this.#stopped) {
      const q = this.#config.bus.queue;
      this.#queue ??= new Outbox({ capacity: this.#queueSize, latestWins: q.latestWins, dropOrder: q.dropOrder });
      this.#queue.push(message);
    }
  }

  /**
   * Hands the message to the shared connection and returns: a home's goodbye does not wait for the
   * socket, because a hundred thousand homes stopping at once would each hold a promise on one socket
   * (and for ever, should it drop meanwhile). The connection's own stop waits for it to drain, bounded.
   */
  async publishNow(message: OutgoingMessage): Promise<void> {
    if (!this.connected) return;
    this.#send(message);
  }

  stats(): BusStats {
    const shared = this.#gateway.bus.stats();
    return {
      counters: {
        messagesIn: this.counters.messagesIn,
        messagesOut: this.counters.messagesOut,
        reconnects: this.counters.reconnects,
        inflight: 0,
        pubackTimeouts: shared.counters['pubackTimeouts'] ?? 0,
      },
      queueFile: {},
      drops: this.#queue?.drops() ?? {},
      queueDepth: this.#queue?.size ?? 0,
      pubackLatencyMs: shared.pubackLatencyMs,
    };
  }

  /** Leaves the connection (which stays up for the other homes). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#gateway.detach(this);
  }

  #send(m: OutgoingMessage): void {
    this.counters.messagesOut++;
    // The connection's BusClient tracks it in flight and requeues it if the write fails.
    this.#gateway.bus.publish(m);
  }
}
