import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultDevicesConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { fleetConfig } from '../src/fleet/addressing.js';
import { Fleet } from '../src/fleet/fleet.js';
import { homeStatePath } from '../src/fleet/home-state.js';
import { readStateFileSync, StateFile } from '../src/state-file.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { round } from './support/numbers.js';
import type { Benchmark, BenchContext, BenchOutcome } from './support/types.js';

/**
 * What `fleet --state-dir` costs at 10,000 homes (one small file per home, src/fleet/home-state.ts):
 * 1. the files alone: every home writing its file once (with and without fsync; the fleet writes
 *    without), a restart's reads, and the disk they take;
 * 2. the fleet itself, in this process against a private mosquitto: time until every home is connected
 *    and CPU spent, without --state-dir, with it on a first boot (no file yet; a home at the boot status
 *    writes none), and on a restart after every home's status was written (files read, the homes boot
 *    into them).
 * Run alone: `npx tsx bench/fleet-state.ts` (or `npm run bench -- --only fleet-state`).
 */
const HOMES = 10_000;
const QUICK_HOMES = 1000;
const CONNECT_RATE = 2000;

/** Wall time and CPU time (this process, all threads) of one step. */
interface Cost {
  ms: number;
  cpuMs: number;
}

interface FileFigures {
  homes: number;
  fileSystem: string;
  firstBoot: Cost;
  firstBootFsync: Cost;
  restartRead: Cost;
  changeAll: Cost;
  diskKiB: number;
}

interface FleetRun {
  run: 'no state' | 'state, first boot' | 'state, restart';
  homes: number;
  connectS: number;
  cpuS: number;
  files: number;
}

async function cost(step: () => Promise<void> | void): Promise<Cost> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await step();
  const cpu = process.cpuUsage(cpu0);
  return { ms: round(performance.now() - t0, 1), cpuMs: round((cpu.user + cpu.system) / 1000, 1) };
}

function fileSystemOf(dir: string): string {
  try {
    return execFileSync('stat', ['-f', '-c', '%T', dir], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function saveAll(
  dir: string,
  homes: number,
  status: string,
  fsync: boolean,
  stored?: string,
  prefix = 'home',
): Promise<Cost> {
  return cost(async () => {
    const files = Array.from(
      { length: homes },
      (_, i) =>
        new StateFile(homeStatePath(dir, `${prefix}-${i}`), {
          logger: silentLogger(),
          fsync,
          stored,
          now: () => Date.now(),
        }),
    );
    for (const f of files) f.save(status);
    await Promise.all(files.map((f) => f.flush()));
    const failed = files.reduce((n, f) => n + f.counters.failures, 0);
    if (failed > 0) throw new Error(`${failed} state files could not be written`);
  });
}

async function measureFiles(homes: number): Promise<FileFigures> {
  const base = mkdtempSync(path.join(tmpdir(), 'bench-fleet-state-'));
  try {
    const dir = path.join(base, 'nofsync');
    const fsyncDir = path.join(base, 'fsync');
    for (const d of [dir, fsyncDir]) execFileSync('mkdir', ['-p', d]);
    const firstBoot = await saveAll(dir, homes, '000000000', false);
    const firstBootFsync = await saveAll(fsyncDir, homes, '000000000', true);
    let restored = 0;
    const restartRead = await cost(() => {
      for (let i = 0; i < homes; i++)
        if (readStateFileSync(homeStatePath(dir, `home-${i}`)).status !== undefined) restored++;
    });
    if (restored !== homes) throw new Error(`only ${restored} of ${homes} state files read back`);
    const changeAll = await saveAll(dir, homes, '016155010', false, '000000000');
    const diskKiB = readdirSync(dir).reduce((sum, n) => sum + statSync(path.join(dir, n)).blocks * 512, 0) / 1024;
    return { homes, fileSystem: fileSystemOf(dir), firstBoot, firstBootFsync, restartRead, changeAll, diskKiB };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

async function fleetRun(
  url: string,
  homes: number,
  run: FleetRun['run'],
  stateDir: string | undefined,
): Promise<FleetRun> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const fleet = new Fleet({
    homes,
    workers: 0,
    prefix: 'bench',
    config: fleetConfig(defaultDevicesConfig()),
    url,
    keepaliveS: 60,
    queueSize: 100,
    connectRate: CONNECT_RATE,
    stateDir,
    logger: silentLogger(),
    logLevel: 'silent',
  });
  await fleet.start();
  while ((await fleet.stats()).connected < homes) {
    if (performance.now() - t0 > 120_000)
      throw new Error(`${run}: only ${(await fleet.stats()).connected} of ${homes} homes connected in 120 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const connectS = round((performance.now() - t0) / 1000, 2);
  // Every home's first writes are done once the slice flushes them at stop.
  for (const h of fleet.slice!.homes) await h.stateFile?.flush();
  const used = process.cpuUsage(cpu0);
  await fleet.stop();
  const files = stateDir ? readdirSync(stateDir).filter((n) => n.endsWith('.json')).length : 0;
  return { run, homes, connectS, cpuS: round((used.user + used.system) / 1e6, 2), files };
}

async function runFleetState(ctx: BenchContext): Promise<BenchOutcome> {
  const homes = ctx.quick ? QUICK_HOMES : HOMES;
  ctx.log(`state files for ${homes} homes`);
  const files = await measureFiles(homes);
  const mosquitto = await startBenchMosquitto();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'bench-fleet-state-dir-'));
  const runs: FleetRun[] = [];
  try {
    for (const [run, dir] of [
      ['no state', undefined],
      ['state, first boot', stateDir],
      ['state, restart', stateDir],
    ] as const) {
      ctx.log(`fleet of ${homes}: ${run}`);
      // Before the restart every home has a status of its own on disk (as after a day of commands).
      if (run === 'state, restart') await saveAll(stateDir, homes, '016155010', false, undefined, 'bench');
      runs.push(await fleetRun(mosquitto.url, homes, run, dir));
    }
  } finally {
    await mosquitto.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
  const per = (c: Cost): string => `ms wall, ${c.cpuMs} ms CPU (${round((c.cpuMs * 1000) / homes, 1)} µs CPU/home)`;
  const rows = [
    {
      metric: `${homes} state files written (no fsync, ${files.fileSystem})`,
      value: files.firstBoot.ms,
      unit: per(files.firstBoot),
    },
    {
      metric: `${homes} state files written with fsync`,
      value: files.firstBootFsync.ms,
      unit: per(files.firstBootFsync),
    },
    { metric: `restart: ${homes} state files read`, value: files.restartRead.ms, unit: per(files.restartRead) },
    { metric: `every home changes status once more`, value: files.changeAll.ms, unit: per(files.changeAll) },
    { metric: `disk used by ${homes} state files`, value: round(files.diskKiB / 1024, 1), unit: 'MiB' },
    ...runs.map((r) => ({
      metric: `fleet ${r.homes}, ${r.run}: connected in / CPU`,
      value: `${r.connectS} s / ${r.cpuS} s`,
      unit: r.files ? `${r.files} files` : '',
    })),
  ];
  return { status: 'ok', rows, data: { connectRate: CONNECT_RATE, files, runs } };
}

export const fleetState: Benchmark = {
  name: 'fleet-state',
  describe: 'fleet --state-dir at 10,000 homes: state file writes, reads, disk; the fleet with and without it',
  run: runFleetState,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const outcome = await runFleetState({
    root: process.cwd(),
    quick: process.argv.includes('--quick'),
    log: (m) => console.error(m),
  });
  for (const r of outcome.rows) console.log(`${r.metric.padEnd(64)} ${String(r.value)} ${r.unit ?? ''}`);
  console.log(JSON.stringify(outcome.data));
}
