/**
 * One paced firmware board in a worker thread (bench/firmware.ts starts N of them at once): our sketch
 * behind the firmware link at real time, busy (air-con fan PWM, the guide light effect recomputed on
 * every tick, a window that travelled). Reports how much board time passed per wall time after a
 * warm-up, the worst lag behind the wall clock, and the thread's event-loop utilisation.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { shippedDevicesConfig } from '../src/config/load.js';
import { CYCLES_PER_MS } from '../src/board/board.js';
import { FirmwareLink } from '../src/links/firmware/firmware-link.js';

export interface BoardWorkerInit {
  warmupS: number;
  seconds: number;
}
export interface BoardWorkerResult {
  /** Board ms per wall ms over the measured window (1 = real time). */
  ratio: number;
  /** Largest lag of board time behind wall time during the window, ms. */
  maxLagMs: number;
  /** Share of the window this thread was busy (event-loop utilisation). */
  busy: number;
}

const { warmupS, seconds } = workerData as BoardWorkerInit;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const link = await FirmwareLink.fromFile(undefined, { config: await shippedDevicesConfig(), speed: 1 });
await link.start();
await link.apply('019152210');
await sleep(warmupS * 1000);
const board = link.board;
const wall0 = performance.now();
const sim0 = board.cycles / CYCLES_PER_MS;
const elu0 = performance.eventLoopUtilization();
let maxLagMs = 0;
while (performance.now() - wall0 < seconds * 1000) {
  await sleep(100);
  const lag = performance.now() - wall0 - (board.cycles / CYCLES_PER_MS - sim0);
  maxLagMs = Math.max(maxLagMs, lag);
}
const wall = performance.now() - wall0;
const result: BoardWorkerResult = {
  ratio: (board.cycles / CYCLES_PER_MS - sim0) / wall,
  maxLagMs,
  busy: performance.eventLoopUtilization(elu0).utilization,
};
await link.stop();
parentPort!.postMessage(result);
