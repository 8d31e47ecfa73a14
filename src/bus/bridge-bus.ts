import type { BusStats } from './client.js';
import type { OutgoingMessage } from './outbox.js';

/**
 * What a Bridge needs of the bus, and nothing more: a home's own BusClient (one connection each) or its
 * place on a shared gateway connection (src/fleet/gateway.ts) both provide it, so the bridge's outbox
 * handling, error reports and rate limits are the same code either way.
 */
export interface BridgeBusEvents {
  message: [topic: string, payload: Buffer];
  connected: [];
}

export interface BridgeBus {
  /** `message`: a command for this home; `connected`: after every (re)connect, once queued reports are on their way. */
  on<K extends keyof BridgeBusEvents>(event: K, listener: (...args: BridgeBusEvents[K]) => void): unknown;
  /** Publishes now if connected, else queues (bounded). */
  publish(message: OutgoingMessage): void;
  /** Publishes directly and waits, bounded (clean shutdown); does nothing while disconnected. */
  publishNow(message: OutgoingMessage): Promise<void>;
  /** The bus part of the bridge's health report. */
  stats(): BusStats;
  /** Reports dropped from the full queue since the last call (reported once when the broker is back). */
  readonly outbox: { takeUnreported(): Record<string, number> };
}
