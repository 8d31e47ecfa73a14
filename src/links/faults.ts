import type { Link } from './link.js';

/**
 * Faults a link can inject into itself, for hardware-in-the-loop tests. Optional and separate from the
 * Link contract: a link offers it as a `faults` property. What each fault means:
 *
 * - `serial-garbage`: bytes that are not protocol lines arrive at the host as if from the board
 *   (noise on the line). The link must report them as LINE_* errors and keep serving.
 * - `unplug`: the cable is pulled: the port disappears until `replug`.
 * - `replug`: the cable is put back (the board may reset, as a Uno does when its port opens).
 * - `board-reset`: the board restarts (reset button, brown-out, watchdog).
 *
 * `broker-outage` is not a link fault: the test harness cuts the bridge off the broker itself.
 */
export const LINK_FAULTS = ['serial-garbage', 'unplug', 'replug', 'board-reset'] as const;
export type LinkFault = (typeof LINK_FAULTS)[number];

export interface LinkFaultOptions {
  /** For `serial-garbage`: the bytes to inject (default: a burst of random non-protocol bytes). */
  bytes?: Uint8Array | string | undefined;
}

export interface FaultInjection {
  /** The faults this link can inject. */
  readonly supported: readonly LinkFault[];
  /** Injects a fault; resolves once it has taken effect. Rejects FAULT_UNSUPPORTED for others. */
  inject(fault: LinkFault, options?: LinkFaultOptions): Promise<void>;
}

export interface WithFaultInjection {
  readonly faults: FaultInjection;
}

export function hasFaultInjection(link: Link): link is Link & WithFaultInjection {
  const f = (link as Partial<WithFaultInjection>).faults;
  return typeof f === 'object' && f !== null && typeof f.inject === 'function' && Array.isArray(f.supported);
}

export function isLinkFault(name: string): name is LinkFault {
  return (LINK_FAULTS as readonly string[]).includes(name);
}
