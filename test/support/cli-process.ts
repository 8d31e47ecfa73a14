/**
 * The real CLI as a child process (`node --import tsx src/cli/main.ts …`), for tests that need its exit
 * code, its output, or its death by signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './brokers.js';

export interface CliRun {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process by its pid if it is still running (tests end cleanly). */
  kill(signal?: NodeJS.Signals): void;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString('utf8')));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(child.pid, signal);
    },
  };
}

/** The objects a CLI printed with `--output json` (one per line), in order; other lines are skipped. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}

/** Runs the CLI to its end and gives its exit code and output. */
export async function runCli(
  args: string[],
  timeoutMs = 60_000,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, env);
  const timer = setTimeout(() => run.kill(), timeoutMs);
  const { code } = await run.exited;
  clearTimeout(timer);
  // 'exit' can come before the last output: wait for the streams to close.
  await Promise.all([
    new Promise((r) => (run.child.stdout!.readableEnded ? r(null) : run.child.stdout!.once('close', r))),
    new Promise((r) => (run.child.stderr!.readableEnded ? r(null) : run.child.stderr!.once('close', r))),
  ]);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
