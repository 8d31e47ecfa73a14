/**
 * bin/smarthome-bridge.js (the `smarthome-bridge` of `npx`): runs dist/ only when it is a build of the
 * current sources, and the TypeScript sources through tsx otherwise (a fresh clone has no dist/).
 * Run from a copy of the package root whose src/ and node_modules/ link to this checkout's.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/brokers.js';

const root = mkdtempSync(path.join(tmpdir(), 'bin-launcher-'));
cpSync(path.join(REPO_ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
for (const f of ['src', 'node_modules', 'package.json', 'devices.json', 'firmware'])
  symlinkSync(path.join(REPO_ROOT, f), path.join(root, f));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function launch(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bin', 'smarthome-bridge.js'), ...args],
      { timeout: 60_000 },
      (e, stdout, stderr) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A dist/ whose main only says it ran, built at `builtAt`. */
function fakeDist(builtAt: Date): void {
  mkdirSync(path.join(root, 'dist', 'cli'), { recursive: true });
  writeFileSync(path.join(root, 'dist', 'cli', 'main.js'), "process.stdout.write('ran dist\\n');\n");
  writeFileSync(path.join(root, 'dist', '.tsbuildinfo'), '{}');
  utimesSync(path.join(root, 'dist', '.tsbuildinfo'), builtAt, builtAt);
}

describe('the smarthome-bridge launcher', () => {
  it('without dist/ runs the sources', async () => {
    const r = await launch(['--version']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  }, 90_000);

  it('with a dist/ older than the sources runs the sources, not the stale build', async () => {
    fakeDist(new Date(0));
    const r = await launch(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('ran dist');
  }, 90_000);

  it('with a dist/ built after every source change runs dist/', async () => {
    fakeDist(new Date(Date.now() + 60_000));
    const r = await launch(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: 'ran dist\n' });
  }, 90_000);
});
