import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * How far V8 lets the old generation grow past what survived the last full collection before it marks
 * again, in per cent, once a fleet's homes are up. V8's own factor is 1.1–4× depending on how fast it
 * collects; a fleet's heap is almost all long-lived homes (about 21 KB each) plus the short-lived garbage
 * of their reports, so at 10,000 homes the default left some 100 MiB of promoted garbage and headroom in
 * RSS. 15 % keeps it close to the live heap (−47 MiB); 5 % saved nothing more (docs/performance.md,
 * "Memory per home").
 */
export const FLEET_HEAP_GROWING_PERCENT = 15;

/**
 * While homes are made and connected the heap only grows: with 15 % V8 marked the whole heap a dozen
 * times on the way to 10,000 homes, and its marking threads took the cores the connecting thread needed
 * (connecting took ~6.2 s instead of ~4.7 s). So V8 keeps its own factor (0 = V8's default) until the
 * homes are up (docs/performance.md, "Connecting").
 */
const CONNECTING_HEAP_GROWING_PERCENT = 0;

/** A value the user gave themselves (node --heap-growing-percent=…, NODE_OPTIONS) is kept throughout. */
function userSetGrowth(): boolean {
  return [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('heap-growing-percent'));
}

/**
 * A fleet's heap from its start (the CLI calls it before the homes start): V8's own factor while homes
 * with a connection each connect (settleFleetHeap() follows), or the fleet's factor from the start for a
 * gateway fleet, whose few connections open at once and whose one large heap would pause for seconds in
 * a compacting collection (100,000 homes: lateness p99 5.8 s). V8 flags are per process, worker threads
 * included; V8 reads this one at every full collection.
 */
export function tuneHeapForFleet(phase: 'connecting' | 'steady'): void {
  if (userSetGrowth()) return;
  const percent = phase === 'connecting' ? CONNECTING_HEAP_GROWING_PERCENT : FLEET_HEAP_GROWING_PERCENT;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * gc() without --expose-gc: a fresh context made while the flag is on has it (each thread its own heap).
 * V8's flags are the process's, so a worker thread settling at the same moment may turn the flag off
 * between this thread's turning it on and making the context (the context then has no gc): try again.
 */
function exposedGc(): (() => void) | undefined {
  for (let attempt = 0; attempt < 20; attempt++) {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    v8.setFlagsFromString('--no-expose-gc');
    if (typeof gc === 'function') return gc as () => void;
  }
  return undefined;
}

/**
 * A thread's homes are up: from now on the heap stays close to them. The limit V8 set at its last
 * collection still has connecting's headroom (RSS went on growing by ~12 MiB every 5 s, up to ~530 MiB at
 * 10,000 homes, before the next mark-compact), and pages committed while connecting stay committed (~40 MiB).
 * So this thread's heap is collected and compacted once, now, and gets its new limit from the fleet's
 * factor. It costs one full pause of this thread (~0.9 s at 10,000 homes on the 2-core development
 * machine); returns its length in ms (0 when the user chose the factor).
 */
export function settleFleetHeap(): number {
  if (userSetGrowth()) return 0;
  v8.setFlagsFromString(`--heap-growing-percent=${FLEET_HEAP_GROWING_PERCENT}`);
  const gc = exposedGc();
  if (!gc) return 0;
  const began = performance.now();
  // Process-wide too: a thread that ends its own settling meanwhile turns it off, and this collection
  // then compacts only as far as V8 chooses (it still collects, and the factor applies).
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
  return performance.now() - began;
}
