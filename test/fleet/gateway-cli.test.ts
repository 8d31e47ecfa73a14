import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
