import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/scenario/load.js';
import { runScenario } from '../../src/scenario/run.js';
import { REPO_ROOT } from '../support/brokers.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');
const scenarios = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

describe('examples/', () => {
  it('holds a scenario for each of the original system flows', () => {
    expect(scenarios).toEqual(
      expect.arrayContaining([
        'android-toggle.yaml',
        'backend-schedule.yaml',
        'cardashboard-mode-tile.yaml',
        'emergency-broadcast.yaml',
        'rain-window-open.yaml',
      ]),
    );
  });

  it.each(scenarios)('%s passes on the emulated link', async (file) => {
    const r = await runScenario(await loadScenario(path.join(EXAMPLES, file)));
    expect(r.failure?.message ?? r.setupError?.message).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  // The library example is a node:test file (vitest does not collect examples/): it is run here as
  // its users would run it, so it cannot rot.
  it('home.test.ts passes under node:test', async () => {
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--test', 'examples/home.test.ts'], {
      cwd: REPO_ROOT,
    });
    expect(run.stdout).toMatch(/# pass 1/);
    expect(run.stdout).toMatch(/# fail 0/);
  }, 60_000);
});
