import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it marks
 * again, in per cent. V8's own factor is 1.1–4× depending on how fast it collects; a fleet's heap is
 * almost all long-lived homes (about 30 KB each) plus the short-lived garbage of its reports, so at
 * 10,000 homes the default left some 100 MiB of promoted garbage and headroom in RSS. 15 % keeps it
 * close to the live heap (−47 MiB); the extra mark-compacts are incremental and concurrent, but their
 * CPU and lateness cost is not settled on the shared machine it was measured on (docs/performance.md,
 * "Memory per home"). 5 % saved nothing more.
 */
export const FLEET_HEAP_GROWING_PERCENT = 15;

/**
 * Sets the fleet's heap growing factor for this process (worker threads included: V8 flags are per
 * process). V8 reads the flag at every full collection, so setting it before the homes start is
 * enough. A value the user gave themselves (node --heap-growing-percent=…, NODE_OPTIONS) is kept.
 */
export function tuneHeapForFleet(): void {
  const flags = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''];
  const given = flags.some((a) => a.includes('heap-growing-percent'));
  if (!given) v8.setFlagsFromString(`--heap-growing-percent=${FLEET_HEAP_GROWING_PERCENT}`);
}
