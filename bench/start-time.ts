/**
 * How long `npm start` takes to a served home: from the command to the "serving" line (the embedded
 * broker listening and the home online), cold (no dist/: a full build) and warm (dist/ current).
 *
 *   npx tsx bench/start-time.ts [--runs 3]
 *
 * Prints the median and every run. Uses a free port for the embedded broker.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/brokers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);

async function timeStart(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn('npm', ['start', '--', '--broker-port', String(port), '--live', 'false', '--log-level', 'warn'], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
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
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const kind of ['cold', 'warm'] as const) {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (kind === 'cold') rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
    times.push(await timeStart());
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`${kind}: median ${median(times).toFixed(2)} s (runs: ${times.map((t) => t.toFixed(2)).join(', ')})`);
}
