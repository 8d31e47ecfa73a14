import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatchedBroker, until, type WatchedBroker } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = (args: string[]) =>
  spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fleet', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('smarthome-bridge fleet --link firmware (the CLI)', () => {
  let broker: WatchedBroker;
  let dir: string;
  beforeAll(async () => {
    broker = await startWatchedBroker();
    dir = mkdtempSync(path.join(os.tmpdir(), 'fleet-faults-'));
  });
  afterAll(async () => {
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints board figures in --output json and injects the --faults schedule', async () => {
    const faults = path.join(dir, 'faults.yaml');
    // Late enough that the board is up even on a loaded machine (an earlier reset is absorbed by the port open's).
    writeFileSync(faults, '- at: 15s\n  home: fc-1\n  fault: board-reset\n');
    const child = cli([
      '--link',
      'firmware',
      '--homes',
      '2',
      '--broker',
      broker.url,
      '--prefix',
      'fc',
      '--output',
      'json',
      '--interval',
      '500ms',
      '--faults',
      faults,
    ]);
    const lines: Record<string, unknown>[] = [];
    let rest = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    type Boards = { boards: number; each: { home: string; resets: number; lines: number; mhz: number }[] };
    const boardsOf = (l: Record<string, unknown>) => (l['stats'] as { boards?: Boards } | undefined)?.boards;
    await until(
      () => lines.some((l) => l['fault'] === 'board-reset' && l['home'] === 'fc-1'),
      'the scheduled fault',
      90_000,
    );
    await until(
      () => lines.some((l) => boardsOf(l)?.each.find((b) => b.home === 'fc-1')?.resets === 1),
      'the reset to show',
      30_000,
    );
    const last = lines.filter((l) => boardsOf(l)).at(-1)!;
    expect(boardsOf(last)!.boards).toBe(2);
    expect(boardsOf(last)!.each.find((b) => b.home === 'fc-0')!.resets).toBe(0);
    expect(last['boards']).toMatchObject({
      boards: 2,
      lagP99: expect.any(Number),
      mhzMean: expect.any(Number),
      checksumErrors: 0,
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The reset is logged as a warning (the board restarted); nothing failed.
    expect(stderr).toContain('restarted (BOOT');
    expect(stderr).not.toMatch(/"level":(50|60)|\n\s+at /);
    expect(code).toBe(0);
  }, 150_000);

  it('refuses a bad schedule, --report-period with firmware homes, a missing .hex and a --homes that contradicts ' +
    '--mix, in one line, exit 2', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, '- at: 1s\n  home: fc-1\n  fault: explode\n');
    for (const [args, why] of [
      [
        ['--link', 'firmware', '--homes', '2', '--embedded', '--prefix', 'fc', '--faults', bad],
        /--faults .*bad\.yaml: entry 1: fault must be one of/,
      ],
      [
        ['--mix', 'firmware:1,emulated:1', '--embedded', '--report-period', '1s'],
        /--report-period cannot apply to firmware homes/,
      ],
      [
        ['--link', 'firmware', '--homes', '2', '--embedded', '--hex', path.join(dir, 'missing.hex')],
        /cannot read firmware .*missing\.hex/,
      ],
      [['--mix', 'firmware:1,emulated:1', '--homes', '3', '--embedded'], /--homes 3 does not match --mix \(2 homes\)/],
    ] as const) {
      const child = cli([...args]);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(why);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);
});
