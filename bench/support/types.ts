/** The contract between bench/run.ts and each benchmark. */
export interface BenchRow {
  metric: string;
  value: string | number;
  unit?: string;
  /** The target as text, e.g. "< 100 ms". */
  target?: string;
  met?: boolean | undefined;
}

export interface BenchOutcome {
  status: 'ok' | 'pending' | 'failed';
  /** Why it is pending or failed. */
  reason?: string;
  rows: BenchRow[];
  /** Everything measured, for bench/results/<name>.json. */
  data?: unknown;
}

export interface BenchContext {
  /** Repository root. */
  root: string;
  /** A short smoke run (small N, short windows). */
  quick: boolean;
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  describe: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}
