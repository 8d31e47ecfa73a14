/**
 * The report routes (the keys of devices.json `bus.routes`; bus/payloads.ts types each one's payload)
 * and the outgoing queue's defaults, written once for the schema and the bus.
 */
export const ROUTE_NAMES = ['status', 'sensor', 'event', 'ack', 'error', 'availability', 'health'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

/** devices.json `bus.queue` defaults (docs/failure-behaviour.md). */
export const QUEUE_DEFAULTS = {
  capacity: 10_000,
  latestWins: ['status', 'health', 'availability'],
  dropOrder: ['health', 'error', 'sensor', 'event', 'status', 'ack'],
  fsyncIntervalMs: 1_000,
} as const satisfies {
  capacity: number;
  latestWins: readonly RouteName[];
  dropOrder: readonly RouteName[];
  fsyncIntervalMs: number;
};
