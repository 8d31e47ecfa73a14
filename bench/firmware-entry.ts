import { spawn } from 'node:child_process';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

interface FirmwareResult {
  speeds: {
    workload: string;
    mhz: number;
    realTime: number;
    mhzPerCpuSecond: number;
    awakePercent: number;
    load: string;
  }[];
  boards?: { maxRealTime: number; rows: { boards: number; minRatio: number; load: string }[] };
  roundTrip?: {
    commands: number;
    busWall: { p50: number; p99: number };
    busBoard: { p50: number; p99: number };
    usartBoard: { p50: number; p99: number };
    load: string;
  };
}

/** bench/firmware.ts run as it is (speed, paced boards per machine, round trip); its RESULT line kept. */
export const firmware: Benchmark = {
  name: 'firmware',
  describe:
    'the firmware link: board speed unpaced, paced boards that stay real-time, bus → firmware → bus round trip ' +
    '(bench/firmware.ts)',
  run: async (ctx: BenchContext): Promise<BenchOutcome> => {
    const args = ['--import', 'tsx', 'bench/firmware.ts', ...(ctx.quick ? ['--quick'] : [])];
    const child = spawn(process.execPath, args, { cwd: ctx.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const line of d.toString().split('\n')) if (line && !line.startsWith('RESULT')) ctx.log(`firmware: ${line}`);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 900_000);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    const json = /^RESULT (.*)$/m.exec(out)?.[1];
    if (code !== 0 || !json)
      return {
        status: 'failed',
        reason: out.trim().split('\n').slice(-3).join(' | ').slice(0, 300),
        rows: [],
        data: { output: out },
      };
    const r = JSON.parse(json) as FirmwareResult;
    if (!r.boards || !r.roundTrip)
      return { status: 'failed', reason: 'bench/firmware.ts gave a partial result', rows: [], data: r };
    const busy = r.speeds.find((s) => s.workload.startsWith('busy home ('));
    const rows: BenchRow[] = [
      ...r.speeds.map((s) => ({
        metric: `one board unpaced, ${s.workload}`,
        value: `${s.realTime}× real time (${s.mhz} MHz; ${s.mhzPerCpuSecond} MHz per CPU s)`,
        target: s === busy ? '≥ 3× real time' : undefined,
        met: s === busy ? s.realTime >= 3 : undefined,
      })),
      {
        metric: 'paced boards that stay real-time (one per worker thread)',
        value: r.boards.maxRealTime,
        target: '≥ 4',
        met: r.boards.maxRealTime >= 4,
      },
      {
        metric: `bus → firmware → bus round trip, wall p50 / p99 (${r.roundTrip.commands} commands)`,
        value: `${r.roundTrip.busWall.p50} / ${r.roundTrip.busWall.p99}`,
        unit: 'ms',
      },
      {
        metric: 'same, in board time p50 / p99',
        value: `${r.roundTrip.busBoard.p50} / ${r.roundTrip.busBoard.p99}`,
        unit: 'ms',
      },
      {
        metric: 'of which on the board (command into the USART → ACK out), board time p50 / p99',
        value: `${r.roundTrip.usartBoard.p50} / ${r.roundTrip.usartBoard.p99}`,
        unit: 'ms',
      },
    ];
    return { status: 'ok', rows, data: r };
  },
};
