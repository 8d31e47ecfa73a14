import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sleep, until } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function fleet(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'fleet', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('fleet --connections: usage errors are one line and exit 2', () => {
  it.each([
    [['--homes', '3', '--connections', '4'], /cannot exceed --homes/],
    [['--homes', '100', '--connections', '2', '--workers', '3'], /at least --workers/],
    [['--homes', '100', '--connections', '2', '--shard', '0/3'], /at least the shard count/],
    [['--homes', '100', '--connections', '0'], /whole number ≥ 1/],
    [['--link', 'firmware', '--homes', '4', '--connections', '2'], /emulated homes only/],
  ])(
    'fleet %j',
    async (args, message) => {
      // A broker that is never reached: the options are refused before anything connects.
      const { code, stderr } = await fleet([...args, '--broker', 'mqtt://127.0.0.1:9']);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
    },
    60_000,
  );
});

describe('fleet --connections --verify', () => {
  it('counts every report of the gateway homes end to end and times commands to them', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'fleet',
        '--homes',
        '200',
        '--connections',
        '2',
        '--embedded',
        '--broker-port',
        '0',
        '--report-period',
        '1s',
        '--verify',
        '--command-rate',
        '10',
        '--output',
        'json',
        '--interval',
        '1s',
        '--log-level',
        'info',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines: Array<Record<string, unknown>> = [];
    let rest = '';
    child.stdout.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(
        () => lines.some((l) => (l['stats'] as { connected?: number } | undefined)?.connected === 200),
        'every home to be up',
        60_000,
      );
      await sleep(3000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const final = lines.find((l) => l['type'] === 'final') as {
        received: number;
        expected: number;
        lost: number;
        duplicates: number;
        commands: { sent: number; acked: number };
      };
      expect(final.received).toBeGreaterThanOrEqual(400);
      expect(final.received).toBe(final.expected);
      expect(final).toMatchObject({ lost: 0, duplicates: 0 });
      expect(final.commands.sent).toBeGreaterThan(0);
      expect(final.commands.acked).toBe(final.commands.sent);
      // A gateway fleet keeps the fleet's heap factor from its start: no settling collection (heap-tuning.ts),
      // though every home has been up for longer than a connection-per-home fleet waits before one.
      expect(stderr).toContain('connected to broker');
      expect(stderr).not.toContain('heap collected and compacted once');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
