/**
 * `run` as a process: its start says where the reports go, how often sensors speak and which status the
 * home came back with; --state-file is kept; bad --initial-status and --report-period are usage errors
 * (one line, exit 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'restore-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('smarthome-bridge run', () => {
  it('says where reports go and which status it restored; keeps --state-file', async () => {
    const rtdb = path.join(dir, 'realtimedb.json');
    const state = path.join(dir, 'state.json');
    writeFileSync(rtdb, JSON.stringify({ smarthome: { status: '009060210' } }));
    const cli = startCli([
      'run',
      '--broker-port',
      '0',
      '--no-live',
      '--log-level',
      'warn',
      '--rtdb-file',
      rtdb,
      '--state-file',
      state,
    ]);
    try {
      await expect.poll(() => cli.stdout(), { timeout: 60_000, interval: 100 }).toContain('restored from rtdb-file');
      const line = cli
        .stdout()
        .split('\n')
        .find((l) => l.startsWith('reports on'))!;
      expect(line).toBe(
        'reports on webos/report/smarthome/info (AMQP webos.report.smarthome.info), error reports on ' +
          'webos/report/smarthome/error (AMQP webos.report.smarthome.error); ' +
          'sensors on change (±0.5 °C, ±3 % RH, rain) and every 15 min; status 009060210 restored from rtdb-file',
      );
      await expect.poll(() => readFileSync(state, 'utf8').includes('"009060210"'), { timeout: 10_000 }).toBe(true);
      cli.kill('SIGTERM');
      expect((await cli.exited).code).toBe(0);
    } finally {
      cli.kill();
    }
  }, 90_000);

  it('with --report-period, says every reading is published', async () => {
    const cli = startCli([
      'run',
      '--broker-port',
      '0',
      '--no-live',
      '--log-level',
      'warn',
      '--report-period',
      '5s',
      '--initial-status',
      '016155010',
    ]);
    try {
      await expect
        .poll(() => cli.stdout(), { timeout: 60_000, interval: 100 })
        .toContain('status 016155010 restored from initial-status');
      expect(cli.stdout()).toContain('sensors every reading (climate 5 s, rain 5 s)');
    } finally {
      cli.kill('SIGTERM');
      await cli.exited;
    }
  }, 90_000);

  it('a bad --initial-status or --report-period is one line and exit 2', async () => {
    for (const [args, message] of [
      [
        ['--initial-status', '01615501'],
        'smarthome-bridge: --initial-status "01615501": a status must be 9 digits, got 8 characters\n',
      ],
      [['--report-period', '50ms'], 'smarthome-bridge: --report-period must be between 100 ms and 24 h, got 50 ms\n'],
    ] as const) {
      const r = await runCli(['run', '--broker-port', '0', '--no-live', ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(message);
    }
  }, 120_000);
});
