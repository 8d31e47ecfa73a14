import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Linux shares the CPU between sessions first (autogroups) and only then between the processes of a
 * session, so on a machine where other people's jobs keep the cores busy a benchmark gets its
 * session's share, however it is niced. The runner therefore re-runs itself in a session of its own
 * and gives that session nice -10 when allowed (CAP_SYS_NICE): everything it starts — fleets,
 * publishers, brokers — runs in it, and nothing outside it is touched. The group ends with the run.
 * BENCH_OWN_SESSION=0 measures in the caller's session instead.
 */
const MARK = 'BENCH_OWN_SESSION';

export async function runInOwnSession(): Promise<void> {
  if (process.env[MARK] === '0' || process.env[MARK] === 'child' || process.platform !== 'linux') return;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: 'inherit',
    env: { ...process.env, [MARK]: 'child' },
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  try {
    writeFileSync(`/proc/${child.pid}/autogroup`, '-10');
  } catch {
    // Not permitted: the run still has a session of its own, at nice 0.
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  process.exit(code ?? 1);
}

/** "autogroup-123 nice -10" → -10 (undefined where there are no autogroups). */
export function sessionNice(): number | undefined {
  try {
    const m = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
