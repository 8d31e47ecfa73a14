import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/brokers.js';

/**
 * heap-tuning.ts changes V8 flags for the whole process, so each case runs in a Node process of its own:
 * garbage is made and dropped, then the fleet's heap is settled as a slice does once its homes are up.
 */
const SCRIPT = `
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { settleFleetHeap, tuneHeapForFleet } from './src/fleet/heap-tuning.ts';
tuneHeapForFleet('connecting');
let junk = [];
for (let i = 0; i < 400000; i++) junk.push({ i, s: 'garbage ' + i });
junk = undefined;
const before = v8.getHeapStatistics().used_heap_size;
const pauseMs = settleFleetHeap();
const after = v8.getHeapStatistics().used_heap_size;
console.log(JSON.stringify({ before, after, pauseMs, gcExposed: runInNewContext('typeof gc') !== 'undefined' }));
`;

function settle(nodeFlags: string[]): { before: number; after: number; pauseMs: number; gcExposed: boolean } {
  const run = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', SCRIPT], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { before: number; after: number; pauseMs: number; gcExposed: boolean };
}

describe('the fleet heap', () => {
  it('is collected once when the homes are up, without leaving gc() exposed', () => {
    const r = settle([]);
    expect(r.pauseMs).toBeGreaterThan(0);
    // 400,000 dropped objects are tens of MB; what survives is the module graph.
    expect(r.before - r.after).toBeGreaterThan(10 * 2 ** 20);
    expect(r.gcExposed).toBe(false);
  });

  it("keeps a growing factor the user gave and leaves the user's heap alone", () => {
    const r = settle(['--heap-growing-percent=30']);
    expect(r.pauseMs).toBe(0);
    expect(r.gcExposed).toBe(false);
  });

  it('collects in every worker thread when several settle at the same moment (V8 flags are per process)', () => {
    const script = `
      import { startModuleWorker } from './src/core/module-worker.ts';
      const settle = () => new Promise((resolve, reject) => {
        const w = startModuleWorker(new URL('./test/support/settle-worker.ts', 'file://' + process.cwd() + '/'), {
          workerData: { times: 100 },
        });
        w.once('message', resolve);
        w.once('error', reject);
      });
      console.log(JSON.stringify(await Promise.all([settle(), settle(), settle()])));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([0, 0, 0]);
  });
});
