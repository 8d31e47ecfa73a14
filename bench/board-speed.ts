/**
 * Simulated MHz of the emulated Uno running the board-probe sketch unpaced (runner batches with
 * setImmediate in between), median of 5 runs of about 2 s each. A real Uno is 16 MHz. Each run also
 * shows cycles per second of CPU time this process got, which stays meaningful on a busy host.
 *
 *   npx tsx bench/board-speed.ts
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSketch } from '../src/links/firmware/arduino-build.js';
import { Board, CPU_HZ } from '../src/board/board.js';
import { parseIntelHex } from '../src/board/intel-hex.js';

const RUNS = 5;
const RUN_MS = 2000;
const sketch = fileURLToPath(new URL('../test/fixtures/board-probe/board-probe.ino', import.meta.url));

const dir = await mkdtemp(join(tmpdir(), 'board-speed-'));
try {
  const build = await buildSketch(sketch, dir);
  const program = parseIntelHex(await readFile(build.hexPath, 'utf8'));
  console.log(`board-probe: ${build.flashBytes} B flash, ${build.sramBytes} B SRAM; ${RUNS} runs of ${RUN_MS} ms`);
  const results: number[] = [];
  const perCpu: number[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const board = new Board(program);
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    board.start();
    await new Promise((r) => setTimeout(r, RUN_MS));
    board.stop();
    const cpu = process.cpuUsage(cpu0);
    const mhz = board.cycles / (performance.now() - wall0) / 1000;
    const cpuMhz = board.cycles / (cpu.user + cpu.system);
    results.push(mhz);
    perCpu.push(cpuMhz);
    console.log(
      `run ${run}: ${mhz.toFixed(1)} MHz (${(mhz / (CPU_HZ / 1e6)).toFixed(2)}× real time), ` +
        `${cpuMhz.toFixed(1)} MHz per CPU second`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = median(results);
  console.log(
    `median: ${m.toFixed(1)} MHz simulated, ${(m / (CPU_HZ / 1e6)).toFixed(2)}× real time; ` +
      `${median(perCpu).toFixed(1)} MHz per CPU second`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
