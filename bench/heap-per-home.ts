/**
 * Live heap per fleet home, and what it is made of: N homes in this process (gateway mode over
 * `--connections` shared connections, or one connection each), against a private mosquitto; after they
 * report for a while, two full GCs, then heapUsed against an empty process, and a heap snapshot
 * grouped by constructor (self sizes, objects with N or more instances, per home).
 *
 *   npm run build && node --expose-gc --import tsx bench/heap-per-home.ts [homes] [connections|0] [settleS]
 *
 * The homes run from `dist/` (as `fleet` runs them once built); `--src` runs the sources through tsx,
 * whose `keepNames` gives every arrow function an own `name` property (~250 B per closure).
 *
 * Then, per report, what the fleet allocates: V8's sampling heap profiler over 10 s, collected objects
 * included (so garbage counts), as bytes per sensor report and the allocating functions with their
 * callers. Run with `--no-turbo-inlining` to see the functions that inlining folds into their callers.
 */
import { Session } from 'node:inspector/promises';
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import pino from 'pino';
import { startBenchMosquitto } from './support/mosquitto.js';

const fromSrc = process.argv.includes('--src');
const [homes = 5000, connections = 50, settleS = 12] = process.argv
  .slice(2)
  .filter((a) => a !== '--src')
  .map(Number);
const root = fromSrc ? '../src' : '../dist';
const { Fleet } = (await import(`${root}/fleet/fleet.js`)) as typeof import('../src/fleet/fleet.js');
const { fleetConfig } = (await import(`${root}/fleet/addressing.js`)) as typeof import('../src/fleet/addressing.js');
const { loadDevicesConfig } = (await import(`${root}/config/load.js`)) as typeof import('../src/config/load.js');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const broker = await startBenchMosquitto();
const config = fleetConfig(await loadDevicesConfig(), { reportPeriodMs: 2000 });
const logger = pino({ level: 'error' });
const before = heapUsed();
const fleet = new Fleet({
  homes,
  workers: 0,
  prefix: 'heap',
  config,
  url: broker.url,
  keepaliveS: 60,
  queueSize: 100,
  connections: connections > 0 ? connections : undefined,
  logger,
  logLevel: 'error',
});
await fleet.start();
const deadline = Date.now() + 120_000;
while (fleet.slice!.stats().connected < homes && Date.now() < deadline) await sleep(250);
await sleep(settleS * 1000);
const stats = fleet.slice!.stats();
const after = heapUsed();
const perHome = (after - before) / homes;

const file = writeHeapSnapshot(`/tmp/heap-per-home-${process.pid}.heapsnapshot`);
const snap = JSON.parse(readFileSync(file, 'utf8'));
if (process.env.KEEP_SNAPSHOT) console.log(`snapshot: ${file}`);
else rmSync(file);
const m = snap.snapshot.meta;
const nf = m.node_fields.length;
const typeNames: string[] = m.node_types[0];
const iType = m.node_fields.indexOf('type');
const iName = m.node_fields.indexOf('name');
const iSelf = m.node_fields.indexOf('self_size');
const groups = new Map<string, { count: number; bytes: number }>();
const nodes: number[] = snap.nodes;
for (let i = 0; i < nodes.length; i += nf) {
  const type = typeNames[nodes[i + iType]!]!;
  let name: string = snap.strings[nodes[i + iName]!];
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
  else if (type === 'code') name = '(code)';
  else if (type === 'closure') name = `closure ${name || '(anonymous)'}`;
  else if (type === 'number') name = '(heap number)';
  const key = `${type}:${name}`;
  const g = groups.get(key) ?? { count: 0, bytes: 0 };
  g.count++;
  g.bytes += nodes[i + iSelf]!;
  groups.set(key, g);
}
const rows = [...groups.entries()]
  .filter(([, g]) => g.count >= homes)
  .sort((a, b) => b[1].bytes - a[1].bytes)
  .slice(0, 60);
const shape = connections > 0 ? `${connections} connections` : 'a connection each';
console.log(
  `${fromSrc ? 'src (tsx)' : 'dist'}: ${homes} homes, ${shape}: ` +
    `${stats.connected} connected, ${stats.reports} reports; live heap ${(perHome / 1024).toFixed(2)} KB per home`,
);
for (const [key, g] of rows)
  console.log(`${(g.bytes / homes).toFixed(0).padStart(6)} B ${(g.count / homes).toFixed(2).padStart(6)}×  ${key}`);

interface SampleNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SampleNode[];
}
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const reportsBefore = fleet.slice!.stats().reports;
await sleep(10_000);
const reports = fleet.slice!.stats().reports - reportsBefore;
const { profile } = await session.post('HeapProfiler.stopSampling');
const bySite = new Map<string, number>();
let allocated = 0;
const frame = (n: SampleNode): string =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\//, '')}:${n.callFrame.lineNumber + 1}`;
const walk = (n: SampleNode, caller: string): void => {
  const here = frame(n);
  if (n.selfSize > 0) {
    const site = `${here} < ${caller}`;
    bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    allocated += n.selfSize;
  }
  for (const c of n.children) walk(c, here);
};
walk(profile.head as SampleNode, '(root)');
console.log(`allocated per sensor report: ${Math.round(allocated / reports)} B (${reports} reports in 10 s)`);
for (const [site, bytes] of [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`${Math.round(bytes / reports).toString().padStart(6)} B  ${site}`);
session.disconnect();

await fleet.stop();
await broker.stop();
process.exit(0);
