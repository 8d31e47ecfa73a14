/**
 * How long `npm start` takes to a served home: from the command to the "serving" line (the embedded
 * broker listening and the home online), cold (no dist/: a full build) and warm (dist/ current).
 * Median of 3 runs each (1 with --quick); the embedded broker on a free port.
 *
 *   npm run bench -- --only start-time
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../test/support/brokers.js';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

const WARM_TARGET_S = 3;

async function timeStart(root: string): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--', '--broker-port', String(port), '--live', 'false', '--log-level', 'warn'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  try {
    return await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString('utf8');
        if (out.includes('smarthome-bridge serving')) resolve((performance.now() - t0) / 1000);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before serving:\n${out}`)));
    });
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export const startTime: Benchmark = {
  name: 'start-time',
  describe: '`npm start` to a served home: cold (full build) and warm (dist/ current), median of 3',
  async run(ctx: BenchContext): Promise<BenchOutcome> {
    const runs = ctx.quick ? 1 : 3;
    const times: Record<'cold' | 'warm', number[]> = { cold: [], warm: [] };
    for (const kind of ['cold', 'warm'] as const) {
      for (let i = 0; i < runs; i++) {
        if (kind === 'cold') rmSync(path.join(ctx.root, 'dist'), { recursive: true, force: true });
        times[kind].push(await timeStart(ctx.root));
        ctx.log(`${kind} start ${i + 1}/${runs}: ${times[kind].at(-1)!.toFixed(2)} s`);
      }
    }
    const warm = median(times.warm);
    return {
      status: 'ok',
      rows: [
        { metric: 'npm start, cold (builds dist/)', value: Number(median(times.cold).toFixed(2)), unit: 's' },
        {
          metric: 'npm start, warm (dist/ current)',
          value: Number(warm.toFixed(2)),
          unit: 's',
          target: `≤ ${WARM_TARGET_S} s`,
          met: warm <= WARM_TARGET_S,
        },
      ],
      data: times,
    };
  },
};
