import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * A child process whose output is kept and can be waited on. Killed by pid (its process group) when
 * the test is done; never left behind.
 */
export class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #waiters = new Set<() => void>();

  constructor(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    this.child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.#wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.#wake();
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        live.delete(this);
        this.#wake();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  /** Waits until the output matches (or the process exits, or the time is up: both throw). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = this.output.match(pattern);
      if (m) return m;
      if (!this.running) throw new Error(`process exited before printing ${pattern}:\n${this.output.slice(-3000)}`);
      const left = end - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 250));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.#waiters.add(done);
      });
      this.#waiters.clear();
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      /* already gone */
    }
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }
}

const live = new Set<Proc>();
process.once('exit', () => {
  for (const p of live) p.signal('SIGKILL');
});

/** `smarthome-bridge <args>` from the source tree. */
export function bridgeProcess(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SMARTHOME_BRIDGE_PASSWORD'));
  return new Proc(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), ...args], {
    env: { ...clean, ...env },
  });
}

/** Waits until the bridge says it serves (its broker connection may still be pending). */
export async function bridgeServing(p: Proc, timeoutMs = 60_000): Promise<void> {
  await p.waitFor(/smarthome-bridge serving/, timeoutMs);
}
