import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { inCI } from './brokers.js';

/**
 * A pseudo-terminal pair from socat: two symlinks whose ends are joined like a null-modem cable.
 * Started per test and killed by pid; `restart()` kills socat and starts it again on the same paths,
 * which for a program holding one end looks like a USB cable pulled and plugged back in.
 */
export interface PtyPair {
  readonly a: string;
  readonly b: string;
  readonly pid: number | undefined;
  /** Kills socat (both ends vanish). */
  kill(): Promise<void>;
  /** Starts socat again on the same paths. */
  start(): Promise<void>;
}

export function socatAvailable(): boolean {
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
}

let warned = false;

/**
 * Whether the socat-gated suites can run. Missing socat: in CI this throws, so the test file fails
 * instead of being skipped (like a missing broker, brokers.ts `requireService`); locally it warns once
 * and returns false, for `describe.skipIf(!requireSocat())`.
 */
export function requireSocat(): boolean {
  if (socatAvailable()) return true;
  const message = 'socat is not installed (bash scripts/ci/install-system-packages.sh installs it)';
  if (inCI()) throw new Error(`test tool 'socat' missing in CI: ${message}`);
  if (!warned) {
    warned = true;
    console.warn(`skipping tests that need socat: ${message}`);
  }
  return false;
}

export async function startPtyPair(a: string, b: string): Promise<PtyPair> {
  let child: ChildProcess | undefined;
  const pair: PtyPair = {
    a,
    b,
    get pid() {
      return child?.pid;
    },
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      process.kill(c.pid!, 'SIGTERM');
      await exited;
    },
    async start() {
      const c = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = c;
      let stderr = '';
      c.stderr!.setEncoding('utf8');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`socat did not start within 5 s: ${stderr}`)), 5000);
        c.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`socat exited (${code}): ${stderr}`));
        });
        c.stderr!.on('data', (text: string) => {
          stderr += text;
          if (stderr.includes('starting data transfer loop') && existsSync(a) && existsSync(b)) {
            clearTimeout(timer);
            c.removeAllListeners('exit');
            resolve();
          }
        });
      });
      c.stderr!.removeAllListeners('data');
      c.stderr!.resume();
    },
  };
  await pair.start();
  return pair;
}
