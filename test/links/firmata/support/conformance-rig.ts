import type { Rig, RigFactory } from '../../../conformance/rig.js';
import { Transcript } from '../../../conformance/transcript.js';
import type { PhysicalAccess } from '../../../../src/links/physical.js';
import { FirmataRig } from './rig.js';

/**
 * The Firmata link as a conformance rig: StandardFirmata on a fresh emulated Uno per scenario, the home
 * on the board's clock, physical access through the board's pins. Device time starts when the link is
 * ready (the home boots then, after StandardFirmata's 2 s start-up), so the transcript's times line up
 * with the emulated home's.
 */
class FirmataConformanceRig implements Rig {
  readonly kind = 'firmata' as const;
  readonly transcript: Transcript;
  #readyAt: number | undefined;

  constructor(readonly firmata: FirmataRig) {
    this.transcript = new Transcript(firmata.link, () => this.now());
    firmata.link.on('state', (s) => {
      if (s === 'ready' && this.#readyAt === undefined) this.#readyAt = firmata.clock.now();
    });
  }

  get link(): FirmataRig['link'] {
    return this.firmata.link;
  }
  get physical(): PhysicalAccess {
    return this.firmata.link.physical!;
  }
  get config(): FirmataRig['config'] {
    return this.firmata.config;
  }
  now(): number {
    return this.#readyAt === undefined ? 0 : this.firmata.clock.now() - this.#readyAt;
  }
  start(): Promise<void> {
    return this.firmata.start();
  }
  advance(ms: number): Promise<void> {
    return this.firmata.advance(ms);
  }
  async apply(command: string): Promise<void> {
    await this.link.apply(command).then(
      (status) => this.transcript.recordApply(command, { status }),
      (e: unknown) => this.transcript.recordApply(command, { error: e }),
    );
  }
  close(): Promise<void> {
    return this.firmata.close();
  }
}

export const firmataConformanceRig: RigFactory = async () => new FirmataConformanceRig(await FirmataRig.create());
