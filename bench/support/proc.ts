import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and memory of another process, read from /proc (Linux): what a benchmark reports for the
 * fleet process and the broker without running inside them. Worker threads are included.
 */
const CLK_TCK = 100;

export interface ProcSample {
  /** performance.now() of this process when read. */
  at: number;
  /** CPU time of all its threads, seconds (the scheduler's ns counters; utime + stime where there are none). */
  cpuS: number;
  rssBytes: number;
}

/**
 * CPU time of every thread of `pid`, in seconds, from the scheduler's own nanosecond counters
 * (`/proc/<pid>/task/<tid>/schedstat`), or undefined where there are none. `/proc/<pid>/stat` counts in
 * 10 ms ticks: a one-second sample of a fleet at 10,000 messages a second then moves in steps of 1 µs
 * per message, and a ratio of two such figures in steps of ~0.06. Threads that ended are not counted,
 * so both samples of a window must see the same threads (a benchmark samples a steady process).
 */
function threadsCpuS(pid: number): number | undefined {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  let s = 0;
  for (const tid of tids) {
    try {
      s += threadCpuS(pid, tid);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return Number.isFinite(s) && s > 0 ? s : undefined;
}

/** CPU time of one thread, in seconds, from its schedstat (nanoseconds); throws when there is none. */
export function threadCpuS(pid: number, tid: number | string): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1e9;
}

/** utime + stime of the whole process from `/proc/<pid>/stat`, in seconds (10 ms ticks). */
export function statTicksCpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may contain spaces, in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export function sampleProc(pid: number): ProcSample {
  const at = performance.now();
  const cpuS = threadsCpuS(pid) ?? statTicksCpuS(pid);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { at, cpuS, rssBytes: rssKb * 1024 };
}

/** CPU use between two samples as a fraction of one core. */
export function cpuShare(a: ProcSample, b: ProcSample): number {
  return (b.cpuS - a.cpuS) / Math.max(1e-3, (b.at - a.at) / 1000);
}

/** The 1-minute load average, to put every figure in context on a shared machine. */
export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/** Samples each process once now and then once a second for `seconds`: one series per pid. */
export async function sampleEverySecond(pids: readonly number[], seconds: number): Promise<ProcSample[][]> {
  const series = pids.map((pid) => [sampleProc(pid)]);
  for (let s = 0; s < seconds; s++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    pids.forEach((pid, i) => {
      series[i]!.push(sampleProc(pid));
    });
  }
  return series;
}

/** CPU use in each interval between consecutive samples, as fractions of one core. */
export function cpuPerInterval(samples: readonly ProcSample[]): number[] {
  return samples.slice(1).map((s, i) => cpuShare(samples[i]!, s));
}

/** sampleEverySecond for one process. */
export async function sampleOneEverySecond(pid: number, seconds: number): Promise<ProcSample[]> {
  const [series = []] = await sampleEverySecond([pid], seconds);
  return series;
}
