import type { Clock } from '../environment/clock.js';
import type { AvailabilityPayload, SensorPayload } from './payloads.js';

/**
 * Numbers one home's sensor reports for end-to-end verification (docs/fleet.md, "Verifying delivery"):
 * `seq` counts from 0 per boot, `boot` names the boot, `sent` is when the report was handed to the bus.
 * Availability messages carry the next `seq`, so a verifier also learns of reports lost at the end.
 */
export class ReportSequence {
  readonly boot: number;
  #next = 0;

  constructor(private readonly clock: Clock) {
    this.boot = Math.round(clock.now());
  }

  /** Reports numbered so far. */
  get count(): number {
    return this.#next;
  }

  stamp(p: SensorPayload): SensorPayload {
    p.seq = this.#next++;
    p.boot = this.boot;
    p.sent = Math.round(this.clock.now() * 100) / 100;
    return p;
  }

  announce(p: AvailabilityPayload): AvailabilityPayload {
    p.seq = this.#next;
    p.boot = this.boot;
    return p;
  }
}
