import { spawn } from 'node:child_process';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/** bench/board-speed.ts (the emulated Uno's simulated MHz) run as it is, its median line kept. */
export const boardSpeed: Benchmark = {
  name: 'board-speed',
  describe: 'emulated Uno running the board-probe sketch unpaced (bench/board-speed.ts)',
  run: async (ctx: BenchContext): Promise<BenchOutcome> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/board-speed.ts'], {
      cwd: ctx.root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    const line = /median: (.*)/.exec(out)?.[1];
    if (code !== 0 || !line)
      return {
        status: 'failed',
        reason: out.trim().split('\n').slice(-3).join(' | ').slice(0, 300),
        rows: [{ metric: 'simulated speed', value: 'failed' }],
        data: { output: out },
      };
    ctx.log(`board-speed: ${line}`);
    return {
      status: 'ok',
      rows: [{ metric: 'simulated speed (median of 5)', value: line, target: '16 MHz = real time' }],
      data: { output: out },
    };
  },
};
