import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/**
 * The slot for the firmware link's command round trip (bus command → SET through the compiled sketch
 * running in avr8js → ACK → acknowledgement on the bus). It reports as pending, naming what is
 * missing, until createLink can build a `firmware` link.
 */
function firmwareLinkMissing(root: string): string | undefined {
  const create = readFileSync(path.join(root, 'src/links/create.ts'), 'utf8');
  if (/case 'firmware'/.test(create)) return undefined;
  return "the firmware link is not built yet (createLink in src/links/create.ts has no 'firmware' case)";
}

export const firmwareRoundTrip: Benchmark = {
  name: 'firmware-round-trip',
  describe: 'bus command → acknowledgement through the firmware link (avr8js)',
  run: async (ctx: BenchContext): Promise<BenchOutcome> => {
    const missing = firmwareLinkMissing(ctx.root);
    const reason = missing ?? 'the firmware link exists now; this benchmark is not written for it yet';
    return { status: 'pending', reason, rows: [{ metric: 'firmware link, embedded broker: p50 / p99', value: 'pending' }] };
  },
};
