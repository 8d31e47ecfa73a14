import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observe, startWatchedBroker, until, type Observer, type WatchedBroker } from './support.js';
import { runCli } from '../support/cli-process.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('smarthome-bridge fleet (the CLI)', () => {
  let broker: WatchedBroker;
  let observer: Observer;
  beforeAll(async () => {
    broker = await startWatchedBroker();
    observer = await observe(broker.url);
  });
  afterAll(async () => {
    await observer?.client.endAsync();
    await broker?.close();
  });

  it.each([0, 2])(
    'serves every home and exits cleanly on SIGTERM, every home announcing offline (workers: %i)',
    async (workers) => {
      const prefix = `cli${workers}`;
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli/main.ts',
          'fleet',
          '--homes',
          '4',
          '--broker',
          broker.url,
          '--prefix',
          prefix,
          '--workers',
          String(workers),
          '--output',
          'json',
          '--interval',
          '200ms',
          '--log-level',
          'info',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const lines: Record<string, unknown>[] = [];
      let stderr = '';
      let rest = '';
      child.stdout.on('data', (d: Buffer) => {
        rest += d.toString();
        const parts = rest.split('\n');
        rest = parts.pop()!;
        for (const p of parts) lines.push(JSON.parse(p) as Record<string, unknown>);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await until(() => lines.some((l) => l['connected'] === 4), `4 homes connected (stderr: ${stderr})`, 60_000);
        expect([...broker.clientIds].filter((id) => id.startsWith(`${prefix}-`)).sort()).toEqual(
          [0, 1, 2, 3].map((i) => `${prefix}-${i}`),
        );
        // Each thread settles its heap once its homes are up (heap-tuning.ts).
        const settled = (): number => stderr.split('heap collected and compacted once').length - 1;
        await until(
          () => settled() === Math.max(1, workers),
          `each thread to settle its heap (stderr: ${stderr})`,
          40_000,
        );
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        expect(settled()).toBe(Math.max(1, workers));
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      expect(lines.at(-1)).toMatchObject({ final: true, stats: { homes: 4 } });
      await until(
        () =>
          observer.messages.filter(
            (m) =>
              m.payload['command'] === 'availability' &&
              m.payload['state'] === 'offline' &&
              String(m.payload['home']).startsWith(`${prefix}-`),
          ).length === 4,
        'every home to announce offline',
      );
    },
    90_000,
  );

  it('refuses to start without a broker', async () => {
    const { code, stderr } = await runCli(['fleet', '--homes', '2']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--broker|--embedded/);
  }, 60_000);

  it.each([
    [
      '--connect-rate',
      '0',
      'smarthome-bridge: --connect-rate must be a positive number of connections per second, got 0; leave it out ' +
        'to connect adaptively',
    ],
    ['--connect-rate', 'fast', 'smarthome-bridge: --connect-rate must be a number, got "fast"'],
    [
      '--tick',
      'lots',
      'smarthome-bridge: --tick: not a duration: "lots" (use e.g. 500ms, 2s, 1m; a bare number is seconds)',
    ],
    ['--tick', '2s', 'smarthome-bridge: --tick must be from 0 to 1s'],
    // A dash and a digit: a value of the option's, not short flags (yargs had "Unknown arguments: 5, m, s").
    [
      '--tick',
      '-5ms',
      'smarthome-bridge: --tick: not a duration: "-5ms" (use e.g. 500ms, 2s, 1m; a bare number is seconds)',
    ],
    ['--connect-rate', '-5ms', 'smarthome-bridge: --connect-rate must be a number, got "-5ms"'],
  ])(
    'refuses %s %j in one line, before starting a broker',
    async (option, value, message) => {
      const args = ['fleet', '--homes', '2', '--embedded', '--broker-port', '0', option, value];
      const { code, stderr } = await runCli(args);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toEqual([message]);
    },
    60_000,
  );

  it.each([
    ['--command-rate', 'its default', ['--verify', '--command-rate']],
    ['--connect-rate', 'absent', ['--connect-rate']],
    ['--tick', 'its default', ['--tick']],
  ])(
    'refuses %s with no value at the end of the line, instead of taking it as %s',
    async (option, _taken, tail) => {
      const { code, stderr } = await runCli(['fleet', '--homes', '2', '--embedded', '--broker-port', '0', ...tail]);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toEqual([`smarthome-bridge: ${option} needs a value`]);
    },
    60_000,
  );
});
