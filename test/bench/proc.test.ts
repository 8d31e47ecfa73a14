import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleProc, statTicksCpuS, threadCpuS } from '../../bench/support/proc.js';

// A process whose main thread and one worker thread each do a fixed amount of work, then both idle. The
// worker stays: the figure counts the threads alive when it is read (proc.ts), as a benchmark's are.
const SPIN = 'let x = 0; for (let i = 0; i < 6e7; i++) x = (x + i) % 1000003;';
const CHILD = `
const { Worker } = require('node:worker_threads');
const w = new Worker("${SPIN} require('node:worker_threads').parentPort.postMessage(x); setInterval(() => {}, 1000);", {
  eval: true,
});
${SPIN}
w.once('message', () => { process.stdout.write('done\\n'); setInterval(() => {}, 1000); });
`;

describe('bench/support/proc.ts sampleProc', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  it("counts every thread's CPU, and agrees with /proc/<pid>/stat's ticks to within their resolution", async () => {
    child = spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = child.pid!;
    const before = sampleProc(pid);
    const statBefore = statTicksCpuS(pid);
    const mainBefore = threadCpuS(pid, pid);
    await once(child.stdout!, 'data');
    const after = sampleProc(pid);
    const statAfter = statTicksCpuS(pid);
    const main = threadCpuS(pid, pid) - mainBefore;
    const cpu = after.cpuS - before.cpuS;
    // The worker did the main thread's loop again: its share is in the figure (the main thread's CPU
    // also holds Node's start-up, hence not a full second share).
    expect(cpu - main).toBeGreaterThan(0.5 * main);
    // The same CPU time as the ticks say, up to a few ticks (each read rounds down to 10 ms).
    expect(Math.abs(cpu - (statAfter - statBefore))).toBeLessThan(0.05);
    // Finer than a tick: the scheduler's figure is not a multiple of 10 ms (nanoseconds; a chance of
    // 1 in 10^7 that it is).
    expect(Math.round(after.cpuS * 1e9) % 10_000_000).not.toBe(0);
    expect(after.rssBytes).toBeGreaterThan(0);
  });
});
