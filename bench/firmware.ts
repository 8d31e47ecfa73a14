/**
 * The firmware link's performance: our sketch (firmware/build/smarthome.hex) on the emulated Uno.
 *
 *   npx tsx bench/firmware.ts [--quick] [--only=speed,boards,trip]
 *
 * 1. Simulated speed of one board, unpaced, behind the firmware link: board MHz per wall second (a real
 *    Uno is 16 MHz), per CPU second, and the share of cycles the CPU was awake (the sketch sleeps
 *    between interrupts; the board jumps over sleep). Idle and busy homes, and the busy one without
 *    the sleep fast-forward.
 * 2. How many paced boards stay real-time at once, one per worker thread: N = 1, 2, 4, … until one
 *    falls behind (board time < 99 % of wall time over the window).
 * 3. Command round trip through the firmware link: bus command → bridge → SET over the emulated
 *    USART → the sketch → ACK → acknowledgement on the bus, p50/p99 in wall and board time, with the
 *    board paced in real time (as `--link firmware` runs), and the board's own part of it (command into
 *    the USART → ACK out) in board time.
 *
 * The load average is printed with every figure: on a shared machine the numbers mean little without
 * it. The last line is `RESULT <json>` for bench/run.ts.
 */
import os from 'node:os';
import mqtt from 'mqtt';
import { parseDevicesConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { startModuleWorker } from '../src/core/module-worker.js';
import { CPU_HZ, CYCLES_PER_MS, type BoardOptions } from '../src/board/board.js';
import { FirmwareLink } from '../src/links/firmware/firmware-link.js';
import { startRuntime } from '../src/runtime.js';
import type { BoardWorkerInit, BoardWorkerResult } from './firmware-worker.js';
import { percentile, round } from './support/numbers.js';

const quick = process.argv.includes('--quick');
/** `--only speed,boards,trip` runs some parts (default all). */
const only = (process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'speed,boards,trip').split(',');
const config = parseDevicesConfig({ bus: { healthPeriodMs: 0 } });
const BUSY = '019152210'; // air-con 9, light on (blue, guide effect), window open
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = (): string =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
const say = (line: string): void => console.log(line);

interface SpeedRow {
  workload: string;
  mhz: number;
  realTime: number;
  mhzPerCpuSecond: number;
  awakePercent: number;
  load: string;
}

async function speed(workload: string, command: string | undefined, board: BoardOptions = {}): Promise<SpeedRow> {
  const link = await FirmwareLink.fromFile(undefined, { config, speed: Infinity, board });
  await link.start();
  if (command) await link.apply(command);
  await sleep(quick ? 500 : 1500); // JIT warm-up
  const b = link.board;
  const [c0, s0, w0, cpu0] = [b.cycles, b.sleptCycles, performance.now(), process.cpuUsage()];
  await sleep(quick ? 2000 : 8000);
  const cpu = process.cpuUsage(cpu0);
  const [dc, ds, dw] = [b.cycles - c0, b.sleptCycles - s0, performance.now() - w0];
  await link.stop();
  const mhz = dc / dw / 1000;
  const row = {
    workload,
    mhz: round(mhz, 1),
    realTime: round(mhz / (CPU_HZ / 1e6), 1),
    mhzPerCpuSecond: round(dc / (cpu.user + cpu.system), 1),
    awakePercent: round((100 * (dc - ds)) / dc, 2),
    load: load(),
  };
  say(
    `speed  ${workload}: ${row.mhz} MHz = ${row.realTime}× real time; ${row.mhzPerCpuSecond} MHz per CPU ` +
      `second; awake ${row.awakePercent} % of cycles (load ${row.load})`,
  );
  return row;
}

function startBoardWorker(init: BoardWorkerInit): Promise<BoardWorkerResult> {
  const worker = startModuleWorker(new URL('./firmware-worker.ts', import.meta.url), { workerData: init });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: BoardWorkerResult) => resolve(r));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`board worker exited with ${code}`))));
  });
}

interface RealTimeRow {
  boards: number;
  minRatio: number;
  maxLagMs: number;
  busyPerBoard: number;
  realTime: boolean;
  load: string;
}

async function realTimeBoards(): Promise<{ rows: RealTimeRow[]; maxRealTime: number }> {
  const rows: RealTimeRow[] = [];
  let maxRealTime = 0;
  for (const n of quick ? [1, 2, 4] : [1, 2, 4, 8, 12, 16, 24, 32, 48]) {
    // Every worker compiles the sources (tsx) and warms up its JIT at once: a warm-up that grows with N.
    const warmupS = quick ? 1 : Math.max(3, n / 2);
    const results = await Promise.all(
      Array.from({ length: n }, () => startBoardWorker({ warmupS, seconds: quick ? 3 : 10 })),
    );
    const minRatio = Math.min(...results.map((r) => r.ratio));
    const row: RealTimeRow = {
      boards: n,
      minRatio: round(minRatio, 3),
      maxLagMs: round(Math.max(...results.map((r) => r.maxLagMs)), 1),
      busyPerBoard: round(results.reduce((s, r) => s + r.busy, 0) / n, 3),
      realTime: minRatio >= 0.99,
      load: load(),
    };
    rows.push(row);
    say(
      `paced  ${n} boards: slowest ${row.minRatio}× real time, worst lag ${row.maxLagMs} ms, each thread busy ` +
        `${Math.round(row.busyPerBoard * 100)} % (load ${row.load})`,
    );
    if (!row.realTime) break;
    maxRealTime = n;
  }
  return { rows, maxRealTime };
}

interface Latency {
  p50: number;
  p99: number;
}
const stats = (xs: number[]): Latency => ({ p50: round(percentile(xs, 50), 2), p99: round(percentile(xs, 99), 2) });

async function roundTrip(): Promise<{
  commands: number;
  busWall: Latency;
  busBoard: Latency;
  usartBoard: Latency;
  load: string;
}> {
  const n = quick ? 40 : 300;
  const link = await FirmwareLink.fromFile(undefined, { config, speed: 1 });
  const runtime = await startRuntime({
    config,
    link,
    logger: silentLogger(),
    embeddedBroker: { host: '127.0.0.1', port: 0 },
  });
  const client = await mqtt.connectAsync(runtime.brokerUrl, { protocolVersion: 4 });
  let waiting: ((request: string) => void) | undefined;
  client.on('message', (_t, payload) => {
    const m = JSON.parse(payload.toString()) as { command?: string; request?: string };
    if (m.command === 'ack' && m.request) waiting?.(m.request);
  });
  await client.subscribeAsync('webos/report/smarthome/info');
  // The board's side of each exchange, cycle-exact: the command line handed to the USART (the host's
  // write) to the last byte of the board's answer (the ACK's newline) leaving it.
  const board = link.board;
  let wroteAt: number | undefined;
  let ackedAt: number | undefined;
  const writeSerial = board.writeSerial.bind(board);
  board.writeSerial = (bytes) => {
    wroteAt ??= board.cycles;
    return writeSerial(bytes);
  };
  const transmit = board.usart.onByteTransmit;
  let line = '';
  board.usart.onByteTransmit = (byte) => {
    transmit?.(byte);
    line += String.fromCharCode(byte);
    if (byte !== 10) return;
    if (line.startsWith('ACK ')) ackedAt = board.cycles;
    line = '';
  };
  await sleep(1000); // JIT warm-up of the board
  const wall: number[] = [];
  const boardMs: number[] = [];
  const usartMs: number[] = [];
  for (let i = 0; i < n; i++) {
    const command = i % 2 ? '012222222' : '002222222';
    const acked = new Promise<void>((resolve) => (waiting = (r) => r === command && resolve()));
    const [w0, b0] = [performance.now(), link.clock.now()];
    wroteAt = ackedAt = undefined;
    await client.publishAsync('webos/smarthome/info', command);
    await acked;
    wall.push(performance.now() - w0);
    boardMs.push(link.clock.now() - b0);
    if (wroteAt !== undefined && ackedAt !== undefined) usartMs.push((ackedAt - wroteAt) / CYCLES_PER_MS);
  }
  await client.endAsync(true);
  await runtime.stop();
  const r = { commands: n, busWall: stats(wall), busBoard: stats(boardMs), usartBoard: stats(usartMs), load: load() };
  say(
    `round trip, bus → firmware → bus (${n} commands, board paced real time): wall p50 ${r.busWall.p50} ms, ` +
      `p99 ${r.busWall.p99} ms; board time p50 ${r.busBoard.p50} ms, p99 ${r.busBoard.p99} ms (load ${r.load})`,
  );
  say(
    '  of which on the board (command into the USART → ACK out, serial time at 115200 included): p50 ' +
      `${r.usartBoard.p50} ms, p99 ${r.usartBoard.p99} ms of board time`,
  );
  return r;
}

say(
  `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; a real Uno is ` +
    `${CPU_HZ / 1e6} MHz (${CYCLES_PER_MS} cycles per ms); load ${load()}`,
);
const speeds: SpeedRow[] = [];
if (only.includes('speed')) {
  // A throwaway run first: V8 optimises the instruction decoder and the timers on the way.
  await speed('warm-up (not counted)', BUSY);
  speeds.push(
    await speed('idle home (boot status)', undefined),
    await speed('busy home (air-con 9, guide light effect)', BUSY),
    await speed('busy home, sleep stepped tick by tick (no fast-forward)', BUSY, { fastForwardSleep: false }),
  );
}
const boards = only.includes('boards') ? await realTimeBoards() : undefined;
const trip = only.includes('trip') ? await roundTrip() : undefined;
say(`RESULT ${JSON.stringify({ quick, speeds, boards, roundTrip: trip })}`);
