import { spawn, type ChildProcess } from 'node:child_process';
import type { FleetStats } from '../../src/fleet/stats.js';

export interface StatsLine {
  time: string;
  connected?: number;
  final?: boolean;
  stats: FleetStats;
}

/**
 * A child process that prints one JSON object per line (`fleet --output json`, the baseline): the
 * latest line is kept, and a benchmark can wait for a condition on it.
 */
export class JsonLinesChild {
  readonly child: ChildProcess;
  latest: StatsLine | undefined;
  /** The first line (its time is about one interval after the process started its work). */
  first: StatsLine | undefined;
  #stderr = '';
  #waiters: Array<{ cond: (l: StatsLine) => boolean; resolve: (l: StatsLine) => void }> = [];
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], cwd: string) {
    this.child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let rest = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      rest += d.toString();
      const parts = rest.split('\n');
      rest = parts.pop()!;
      for (const p of parts) {
        if (!p.startsWith('{')) continue;
        const line = JSON.parse(p) as StatsLine;
        this.latest = line;
        this.first ??= line;
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.cond(line)) return true;
          w.resolve(line);
          return false;
        });
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** The next line that satisfies `cond` (or the current one), or undefined after `timeoutMs`. */
  waitFor(cond: (l: StatsLine) => boolean, timeoutMs: number): Promise<StatsLine | undefined> {
    if (this.latest && cond(this.latest)) return Promise.resolve(this.latest);
    return new Promise((resolve) => {
      const w = { cond, resolve: (l: StatsLine | undefined) => resolve(l) };
      this.#waiters.push(w);
      const t = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        resolve(undefined);
      }, timeoutMs);
      void this.exited.then(() => {
        clearTimeout(t);
        resolve(undefined);
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}
