import type { Logger } from 'pino';
import { Bridge, type BridgeObserver } from '../bridge.js';
import { BusClient } from '../bus/client.js';
import { ReportSequence } from '../bus/report-sequence.js';
import type { DevicesConfig } from '../config/schema.js';
import { VERSION } from '../core/version.js';
import type { Clock } from '../environment/clock.js';
import { EmulatedLink } from '../links/emulated.js';
import type { Link } from '../links/link.js';
import type { HomeAddress } from './addressing.js';
import { homeStatePath } from './home-state.js';
import { readStateFileSync, StateFile } from '../state-file.js';
import { BOOT_STATUS } from '../home/status-codec.js';
import { wallTimeMs } from './verify/wall-time.js';
import type { GatewayConnection, GatewayHomeBus } from './gateway.js';
import type { BootGate } from './boot-gate.js';
import { fleetBusClientOptions, type FleetBrokerOptions } from './broker-options.js';

export interface FleetHomeOptions extends FleetBrokerOptions {
  address: HomeAddress;
  /** The fleet's derived devices.json (shared by every home). */
  config: DevicesConfig;
  clock: Clock;
  logger: Logger;
  observer: BridgeObserver;
  /** The device, when not the emulated home (a firmware home's FirmwareLink); the bridge is the same. */
  link?: Link | undefined;
  /** Called for every sensor reading just after it was handed to the bus (readings held back as unchanged are not). */
  onReport?: (() => void) | undefined;
  /** Keep the home's status in `<stateDir>/<id>.json` and boot from it (--state-dir). */
  stateDir?: string | undefined;
  /** The shared connection the home sits on (--connections), instead of a connection of its own. */
  gateway?: GatewayConnection | undefined;
  /** Starts the link (powers the board) through this gate: a firmware home's board boots a few at a time. */
  bootGate?: BootGate | undefined;
}

/**
 * Home i's place in the report period: the fractional part of i·φ (golden ratio), which spreads any
 * number of consecutive homes evenly over the period without knowing how many there are (shards and
 * workers run arbitrary subsets). Homes connect within moments of each other; without this they
 * would all report in the same instant, once a period.
 */
export function sensorPhase(index: number): number {
  const x = index * 0.6180339887498949;
  return x - Math.floor(x);
}

/**
 * One virtual home of a fleet: the same emulated link (or a given one: a firmware home's FirmwareLink),
 * bridge and bus client as `run`, with its own MQTT connection, client id, command address and
 * environment seed, on the fleet's shared clock.
 */
export class FleetHome {
  readonly address: HomeAddress;
  readonly link: Link;
  readonly bus: BusClient | GatewayHomeBus;
  readonly bridge: Bridge;
  readonly stateFile: StateFile | undefined;
  readonly #bootGate: BootGate | undefined;
  #booted = false;

  constructor(o: FleetHomeOptions) {
    this.address = o.address;
    this.#bootGate = o.bootGate;
    const { id, index } = o.address;
    // One child per home (a few hundred bytes): every log line names its home.
    const logger = o.logger.child({ home: id });
    // The home boots straight into its stored status (read synchronously: the slice paces connections,
    // and one small read is a few microseconds; bench/fleet-state.ts).
    let stored: string | undefined;
    if (o.stateDir !== undefined) {
      const file = homeStatePath(o.stateDir, id);
      const read = readStateFileSync(file);
      if (read.problem !== undefined)
        logger.warn({ file, problem: read.problem }, 'the state file cannot be used; booting without it');
      stored = read.status;
      // No fsync per write: thousands of homes; the rename keeps every file whole across a crash of the
      // process, and a power cut loses at most the last changes. A home without a file boots as
      // 000000000, which is what a missing file restores to: that boot status is not written, so a
      // first boot costs no writes (bench/fleet-state.ts).
      const holds = read.status ?? (read.problem === undefined ? BOOT_STATUS : undefined);
      this.stateFile = new StateFile(file, { logger, fsync: false, stored: holds, now: () => o.clock.now() });
    }
    this.link =
      o.link ??
      new EmulatedLink({
        config: o.config,
        clock: o.clock,
        seed: (o.config.environment.seed + index) >>> 0,
        sensorPhase: sensorPhase(index),
        ...(stored ? { initialStatus: stored } : {}),
      });
    this.bus = o.gateway
      ? o.gateway.attach(id)
      : new BusClient(
          fleetBusClientOptions(o.config, o, {
            clientId: o.address.clientId,
            commandFilters: [o.address.commandFilter],
            spread: index,
            outboxCapacity: o.queueSize,
            logger,
          }),
        );
    this.bridge = new Bridge({
      config: o.config,
      link: this.link,
      bus: this.bus,
      clock: o.clock,
      logger,
      homeId: id,
      commandFilter: o.address.commandFilter,
      version: VERSION,
      // Every key written out: spreading them in would give each home's observer a map of its own.
      observer: {
        ack: o.observer.ack,
        error: o.observer.error,
        sensor: o.onReport ?? o.observer.sensor,
        status: this.stateFile ? (r: { status: string }) => this.stateFile!.save(r.status) : o.observer.status,
      },
      sequence: new ReportSequence(wallTimeMs),
      gateway: o.gateway?.id,
    });
    this.bridge.attach();
  }

  get connected(): boolean {
    return this.bus.connected;
  }

  /**
   * Connects (with the offline will), then boots the home. Resolves once connected; rejects when the
   * broker refuses for good.
   */
  async start(): Promise<void> {
    // On a gateway the connection's will speaks for the home; its availability names the gateway.
    await (this.bus instanceof BusClient ? this.bus.start(this.bridge.offlineWill()) : this.bus.start());
    if (!this.#booted) {
      this.#booted = true;
      const gate = this.#bootGate;
      await (gate ? gate.run(() => this.link.start()) : this.link.start());
    }
  }

  async stop(): Promise<void> {
    await this.link.stop();
    await this.bridge.stop();
    await this.bus.stop();
    await this.stateFile?.flush();
  }
}
