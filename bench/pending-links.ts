import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/**
 * Slots for the benchmarks that need the serial and firmware links: the serial pipeline (lines per
 * second through parse → validate → map → publish, on @serialport/binding-mock and on a socat
 * pseudo-terminal, CPU per message and added latency p50/p99; target ≥ 20,000 lines/s per core and
 * p99 < 2 ms) and the firmware link's command round trip. They report as pending, naming what is
 * missing, until those links exist and can be built by createLink.
 */
function linkStatus(root: string, kind: 'serial' | 'firmware'): string | undefined {
  const create = readFileSync(path.join(root, 'src/links/create.ts'), 'utf8');
  const dir = `src/links/${kind}/`;
  const hasLink = existsSync(path.join(root, dir, 'link.ts'));
  const wired = new RegExp(`case '${kind}'`).test(create);
  if (hasLink && wired) return undefined;
  const missing = [hasLink ? undefined : `no ${dir}link.ts`, wired ? undefined : `createLink has no '${kind}' case`].filter(Boolean).join(', ');
  return `the ${kind} link is not built yet (${missing})`;
}

function pending(name: string, describe: string, kind: 'serial' | 'firmware', metrics: string[]): Benchmark {
  return {
    name,
    describe,
    run: async (ctx: BenchContext): Promise<BenchOutcome> => {
      const missing = linkStatus(ctx.root, kind);
      const reason = missing ?? `the ${kind} link exists now; this benchmark is not written for it yet`;
      return { status: 'pending', reason, rows: metrics.map((metric) => ({ metric, value: 'pending' })) };
    },
  };
}

export const pipeline = pending('pipeline', 'serial lines through parse → validate → map → publish (binding-mock, pseudo-terminal)', 'serial', [
  'binding-mock: lines/s per core, CPU per message',
  'binding-mock: added latency p50 / p99 (target p99 < 2 ms)',
  'pseudo-terminal (socat): lines/s per core, added latency p50 / p99',
]);

export const firmwareRoundTrip = pending('firmware-round-trip', 'bus command → acknowledgement through the firmware link (avr8js)', 'firmware', ['firmware link, embedded broker: p50 / p99']);
