import { shippedDevicesConfig } from '../../src/config/load.js';
import type { DevicesConfig } from '../../src/config/schema.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { EmulatedLink } from '../../src/links/emulated.js';
import { FirmwareLink } from '../../src/links/firmware/firmware-link.js';
import type { Link, LinkKind } from '../../src/links/link.js';
import type { PhysicalAccess } from '../../src/links/physical.js';
import { Transcript } from './transcript.js';

/**
 * One home under test for the conformance scenarios, whatever runs it: a link, its physical access,
 * and a way to move the device's time on. Time is the link's own (ms, 0 = created): a virtual clock
 * for the emulated home, board time for the firmware. Everything the link emits is recorded.
 */
export interface Rig {
  readonly kind: LinkKind;
  readonly link: Link;
  readonly physical: PhysicalAccess;
  readonly config: DevicesConfig;
  readonly transcript: Transcript;
  /** Device time in ms since the rig was made. */
  now(): number;
  /** Starts the link (not done by the factory, so a runtime can start it instead). */
  start(): Promise<void>;
  /** Moves device time on by `ms`. */
  advance(ms: number): Promise<void>;
  /** Applies a command through the link and records the result (status or error code). */
  apply(command: string): Promise<void>;
  close(): Promise<void>;
}

export interface RigOptions {
  seed?: number;
}

export type RigFactory = (options?: RigOptions) => Promise<Rig>;

abstract class BaseRig implements Rig {
  abstract readonly kind: LinkKind;
  abstract readonly physical: PhysicalAccess;
  readonly transcript: Transcript;
  constructor(
    readonly link: Link,
    readonly config: DevicesConfig,
  ) {
    this.transcript = new Transcript(link, () => this.now());
  }
  abstract now(): number;
  abstract advance(ms: number): Promise<void>;
  start(): Promise<void> {
    return this.link.start();
  }
  async apply(command: string): Promise<void> {
    await this.link.apply(command).then(
      (status) => this.transcript.recordApply(command, { status }),
      (e: unknown) => this.transcript.recordApply(command, { error: e }),
    );
  }
  async close(): Promise<void> {
    await this.link.stop();
  }
}

class EmulatedRig extends BaseRig {
  readonly kind = 'emulated' as const;
  readonly physical: PhysicalAccess;
  constructor(
    readonly emulated: EmulatedLink,
    readonly clock: VirtualClock,
    config: DevicesConfig,
  ) {
    super(emulated, config);
    this.physical = emulated.physical;
  }
  now(): number {
    return this.clock.now();
  }
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await new Promise((r) => setImmediate(r));
  }
}

class FirmwareRig extends BaseRig {
  readonly kind = 'firmware' as const;
  constructor(
    readonly firmware: FirmwareLink,
    config: DevicesConfig,
  ) {
    super(firmware, config);
  }
  get physical(): PhysicalAccess {
    return this.firmware.physical;
  }
  now(): number {
    return this.firmware.clock.now();
  }
  async advance(ms: number): Promise<void> {
    const until = this.now() + ms;
    await this.firmware.board.runUntil(() => this.now() >= until, ms + 1000);
  }
}

/** The TypeScript home on a virtual clock at 0. */
export const emulatedRig: RigFactory = async (options = {}) => {
  const config = await shippedDevicesConfig();
  const clock = new VirtualClock(0);
  const link = new EmulatedLink({ config, clock, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  return new EmulatedRig(link, clock, config);
};

/** Our sketch (the committed .hex) on a fresh emulated board, unpaced, board time 0 at creation. */
export const firmwareRig: RigFactory = async (options = {}) => {
  const config = await shippedDevicesConfig();
  const link = await FirmwareLink.fromFile(undefined, { config, speed: Infinity, origin: 0, seed: options.seed });
  return new FirmwareRig(link, config);
};
