/**
 * Benchmarks start the fleet and verify as a user does: `bin/smarthome-bridge.js`, with no Node flags of
 * ours. The launcher runs `dist/` when it is current and the sources through tsx otherwise (`npm run
 * build` first); the two differ in memory (~95 MiB at 10,000 homes), so each result records which ran.
 */
export const LAUNCHER = 'bin/smarthome-bridge.js';

/** bin/dist-status.js is plain JavaScript (untyped). */
const { distIsCurrent } = (await import('../../bin/dist-status.js' as string)) as { distIsCurrent(): boolean };

/** What the launcher runs now. */
export function launcherRuns(): 'dist' | 'tsx' {
  return distIsCurrent() ? 'dist' : 'tsx';
}
