import { HEARTBEAT_PERIOD_MS } from './line-types.js';

/**
 * How long the serial link waits for what. Defaults suit a real Uno at 115200 baud; tests shorten
 * them. `timingWithin` fits the acknowledgement budget inside the bridge's command timeout.
 */
export interface SerialTiming {
  /**
   * Wait for the BOOT line after opening. A real Uno resets when the port opens: about 1 s of
   * bootloader, then setup() prints BOOT. A board that does not reset (a pty peer, an emulator on a
   * pty, an Uno with auto-reset disabled) is probed with PING after this wait.
   */
  bootWaitMs: number;
  /** Wait for the acknowledgement of one line. */
  ackTimeoutMs: number;
  /** Resends of an unacknowledged line, with the same id (every host line is idempotent). */
  retries: number;
  /** Serial silence after which the board counts as unresponsive (about three heartbeats). */
  silenceTimeoutMs: number;
  /** Reopen backoff: first delay, doubled per failure up to the maximum. */
  reopenInitialMs: number;
  reopenMaxMs: number;
}

export const DEFAULT_SERIAL_TIMING: Readonly<SerialTiming> = {
  bootWaitMs: 2500,
  ackTimeoutMs: 750,
  retries: 2,
  silenceTimeoutMs: 3.5 * HEARTBEAT_PERIOD_MS,
  reopenInitialMs: 500,
  reopenMaxMs: 10_000,
};

/** Share of the bridge's command timeout the link may spend on one command, attempts included. */
const COMMAND_BUDGET_SHARE = 0.8;

/**
 * Timing whose worst case for one command — (retries + 1) × ackTimeoutMs — stays inside
 * `commandTimeoutMs` (devices.json bus.commandTimeoutMs), so the link answers before the bridge
 * gives up on it. Explicit overrides win.
 */
export function timingWithin(commandTimeoutMs: number, overrides: Partial<SerialTiming> = {}): SerialTiming {
  const retries = overrides.retries ?? DEFAULT_SERIAL_TIMING.retries;
  const fitted = Math.floor((commandTimeoutMs * COMMAND_BUDGET_SHARE) / (retries + 1));
  const ackTimeoutMs = Math.max(20, Math.min(DEFAULT_SERIAL_TIMING.ackTimeoutMs, fitted));
  return { ...DEFAULT_SERIAL_TIMING, ackTimeoutMs, ...overrides, retries };
}

/** Worst-case time one request may take: every attempt times out. */
export function worstCaseRequestMs(t: Pick<SerialTiming, 'ackTimeoutMs' | 'retries'>): number {
  return t.ackTimeoutMs * (t.retries + 1);
}
