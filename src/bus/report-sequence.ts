import type { AvailabilityPayload, SensorPayload } from './payloads.js';

/**
 * Numbers one home's sensor reports for end-to-end verification (docs/fleet.md, "Verifying delivery"):
 * `seq` counts from 0 per boot, `boot` names the boot, `sent` is when the report was handed to the bus.
 * Availability messages carry the next `seq`, so a verifier also learns of reports lost at the end.
 */
export class ReportSequence {
  readonly boot: number;
  #next = 0;

  /** `now`: wall-clock ms, the same definition the verifier reads (src/fleet/verify/wall-time.ts). */
  constructor(private readonly now: () => number) {
    this.boot = Math.round(now());
  }

  /** Reports numbered so far. */
  get count(): number {
    return this.#next;
  }

  stamp(p: SensorPayload): SensorPayload {
    p.seq = this.#next++;
    p.boot = this.boot;
    p.sent = Math.round(this.now() * 100) / 100;
    return p;
  }

  announce(p: AvailabilityPayload): AvailabilityPayload {
    p.seq = this.#next;
    p.boot = this.boot;
    return p;
  }
}
