/**
 * Runs the benchmarks, writes bench/results/<name>.json for each, and prints one table.
 *
 *   npm run bench                          every benchmark (about 8 minutes on 2 cores)
 *   npm run bench -- --only fleet-scale    one of them (repeatable, or comma-separated)
 *   npm run bench -- --quick               a smoke run: small N, short windows
 *   npm run bench -- --list
 *   npm run bench -- --only panel          the panel's CPU cost and page weight
 *   npm run bench -- --only peers          fleet vs mqtt.js baseline vs raw floor, 10,000 devices
 *
 * Every result records the machine (cores, CPU, Node) and the load average before and after: on a
 * shared machine the figures mean little without it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { boardSpeed } from './board-speed-entry.js';
import { fleetScale } from './fleet-scale.js';
import { fleetGateway } from './fleet-gateway.js';
import { peers } from './peers.js';
import { fleetMemory } from './fleet-memory.js';
import { fleetState } from './fleet-state.js';
import { pipeline } from './pipeline.js';
import { firmwareRoundTrip, roundTrip } from './round-trip.js';
import { firmware } from './firmware-entry.js';
import { startTime } from './start-time.js';
import { firmwareFleet } from './firmware-fleet.js';
import { panel } from './panel.js';
import { verifyCost } from './verify-cost.js';
import { runInOwnSession, sessionNice } from './support/own-session.js';
import { launcherRuns } from './support/launcher.js';
import { loadAverage } from './support/proc.js';
import type { Benchmark, BenchOutcome, BenchRow } from './support/types.js';

await runInOwnSession();

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench/results');
const BENCHMARKS: Benchmark[] = [
  roundTrip,
  fleetScale,
  fleetGateway,
  peers,
  fleetMemory,
  fleetState,
  verifyCost,
  pipeline,
  firmwareRoundTrip,
  boardSpeed,
  firmware,
  startTime,
  firmwareFleet,
  panel,
];

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  },
});
if (values.list) {
  for (const b of BENCHMARKS) console.log(`${b.name.padEnd(20)} ${b.describe}`);
  process.exit(0);
}
const only = (values.only ?? [])
  .flatMap((o) => o.split(','))
  .map((o) => o.trim())
  .filter(Boolean);
const unknown = only.filter((o) => !BENCHMARKS.some((b) => b.name === o));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = only.length ? BENCHMARKS.filter((b) => only.includes(b.name)) : BENCHMARKS;

const machine = {
  cores: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
const log = (m: string): void => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
// On a shared machine the processes under test (this one, and the fleets, publishers and brokers it
// starts, which inherit it) run at nice -10 when allowed, so the figures show what the code needs rather
// than what other jobs leave over. The load average is recorded either way.
let nice = 0;
try {
  os.setPriority(-10);
  nice = -10;
} catch {
  // Not permitted: measured at normal priority.
}
Object.assign(machine, { nice, sessionNice: sessionNice() });
log(
  `${machine.cores} × ${machine.cpu}, Node ${machine.node}; nice ${nice}, session nice ` +
    `${sessionNice() ?? '—'}; load average ${loadAverage().join(' ')}`,
);

if (launcherRuns() === 'tsx')
  // Easy to miss after a formatter touched src/: every fleet and verify would start through tsx, with
  // its loader thread (~30 MiB) and slower start-up, and the figures would not be a build's.
  log('warning: dist/ is older than src/, so the CLI runs the sources through tsx; `npm run build` first');

mkdirSync(RESULTS, { recursive: true });
const table: Array<{ bench: string; row: BenchRow }> = [];
const started = performance.now();
let failed = false;
for (const b of selected) {
  const t0 = performance.now();
  const loadBefore = loadAverage();
  let outcome: BenchOutcome;
  try {
    log(`${b.name}: ${b.describe}`);
    outcome = await b.run({ root: ROOT, quick: values.quick, log });
  } catch (e) {
    outcome = { status: 'failed', reason: e instanceof Error ? (e.stack ?? e.message) : String(e), rows: [] };
  }
  if (outcome.status === 'failed') failed = true;
  const durationS = Math.round((performance.now() - t0) / 100) / 10;
  const record = {
    name: b.name,
    describe: b.describe,
    quick: values.quick,
    date: new Date().toISOString(),
    durationS,
    machine,
    loadAverage: { before: loadBefore, after: loadAverage() },
    ...outcome,
  };
  writeFileSync(
    path.join(RESULTS, `${b.name}${values.quick ? '.quick' : ''}.json`),
    `${JSON.stringify(record, null, 2)}\n`,
  );
  if (outcome.status !== 'ok')
    table.push({
      bench: b.name,
      row: { metric: outcome.status.toUpperCase(), value: (outcome.reason ?? '').split('\n')[0]!.slice(0, 110) },
    });
  for (const row of outcome.rows) table.push({ bench: b.name, row });
  log(`${b.name}: ${outcome.status} in ${durationS} s`);
}

const verdict = (r: BenchRow): string => (r.met === undefined ? '' : r.met ? 'met' : 'MISSED');
const cols = [
  ['benchmark', ...table.map((t) => t.bench)],
  ['metric', ...table.map((t) => t.row.metric)],
  ['value', ...table.map((t) => `${t.row.value}${t.row.unit ? ` ${t.row.unit}` : ''}`)],
  ['target', ...table.map((t) => t.row.target ?? '')],
  ['', ...table.map((t) => verdict(t.row))],
];
const widths = cols.map((c) => Math.max(...c.map((s) => s.length)));
for (let i = 0; i < cols[0]!.length; i++) {
  console.log(
    cols
      .map((c, j) => c[i]!.padEnd(widths[j]!))
      .join('  ')
      .trimEnd(),
  );
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
console.log(
  `\n${selected.length} benchmarks in ${Math.round((performance.now() - started) / 1000)} s; results in ` +
    `bench/results/; load average now ${loadAverage().join(' ')}`,
);
process.exit(failed ? 1 : 0);
