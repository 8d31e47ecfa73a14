import type { FleetStats } from '../../src/fleet/stats.js';

/**
 * The peers' side of the JSON-lines contract that `fleet --output json` speaks and
 * bench/support/json-lines.ts reads: a stats line every interval, and a final line at the end.
 */
export function startStatsLines(
  stats: () => FleetStats,
  homes: number,
  intervalMs: number,
): NodeJS.Timeout {
  return setInterval(() => {
    const s = stats();
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), connected: s.connected, homes, stats: s })}\n`,
    );
  }, intervalMs);
}

export function writeFinalLine(stats: FleetStats): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), final: true, stats })}\n`);
}
