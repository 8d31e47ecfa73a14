import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { mergeCommand } from '../../src/home/status-codec.js';
import { chooseBootStatus, restoreCommands } from '../../src/restore.js';
import { RtdbFile } from '../../src/rtdb-file.js';
import { readStateFile, StateFile } from '../../src/state-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content?: string): string => {
  const p = path.join(dir, name);
  if (content !== undefined) writeFileSync(p, content);
  return p;
};

/** A logger whose warnings a test can read. */
function recordingLogger(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void out.push(l) });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('restoreCommands', () => {
  it('reaches the target exactly from a booted (all off) device, values of appliances that are off included', () => {
    for (const target of ['016155010', '009060210', '000000000', '119161311', '300000001', '010052100']) {
      const steps = restoreCommands('000000000', target);
      expect(steps.reduce(mergeCommand, '000000000')).toBe(target);
      expect(steps.length).toBeLessThanOrEqual(2);
    }
    expect(restoreCommands('000000000', '016155010')).toEqual(['016155010']);
    // Air-con off at power 9, light off at 6/0/2: switched on with the values, then off keeping them.
    expect(restoreCommands('000000000', '009060210')).toEqual(['019160210', '009060210']);
    expect(restoreCommands('016155010', '016155010')).toEqual([]);
  });
});

describe('chooseBootStatus: --rtdb-file, then --state-file, then --initial-status, then 000000000', () => {
  it('takes the first source that holds a valid status', async () => {
    const log = silentLogger();
    const rtdb = await RtdbFile.open(
      file('order-rtdb.json', JSON.stringify({ smarthome: { status: '009060210' } })),
      log,
    );
    const state = file('order-state.json', JSON.stringify({ status: '016155010', time: 'x' }));
    expect(await chooseBootStatus({ rtdb, stateFile: state, initialStatus: '100000000' }, log)).toMatchObject({
      status: '009060210',
      from: 'rtdb-file',
      stateFileStatus: '016155010',
    });
    const emptyRtdb = await RtdbFile.open(file('order-empty.json', JSON.stringify({ sensor: {} })), log);
    expect(
      await chooseBootStatus({ rtdb: emptyRtdb, stateFile: state, initialStatus: '100000000' }, log),
    ).toMatchObject({ status: '016155010', from: 'state-file' });
    expect(await chooseBootStatus({ stateFile: file('absent.json'), initialStatus: '100000000' }, log)).toMatchObject({
      status: '100000000',
      from: 'initial-status',
    });
    expect(await chooseBootStatus({}, log)).toMatchObject({ status: '000000000', from: 'default' });
  });

  it('a corrupt state file is a logged warning and a boot from defaults, never a crash', async () => {
    for (const [name, content] of [
      ['torn.json', '{"status":"0161'],
      ['wrong.json', '{"status":"01615501x"}'],
      ['binary.json', '\u0000\u0001'],
    ] as const) {
      const { logger, lines } = recordingLogger();
      const boot = await chooseBootStatus({ stateFile: file(name, content) }, logger);
      expect(boot).toMatchObject({ status: '000000000', from: 'default' });
      expect(lines()).toEqual([
        expect.objectContaining({ level: 40, msg: 'the state file cannot be used; booting without it' }),
      ]);
    }
  });
});

describe('StateFile', () => {
  it('writes atomically, only when the status differs from what the file holds', async () => {
    const p = file('state.json');
    let now = Date.UTC(2026, 0, 1);
    const s = new StateFile(p, { logger: silentLogger(), now: () => now });
    s.save('016155010');
    s.save('016155011');
    s.save('016155011');
    await s.flush();
    expect(JSON.parse(readFileSync(p, 'utf8'))).toEqual({ status: '016155011', time: '2026-01-01T00:00:00.000Z' });
    expect(await readStateFile(p)).toEqual({ status: '016155011' });
    now += 1000;
    s.save('016155011');
    await s.flush();
    expect(s.counters.writes).toBeLessThanOrEqual(2);
    const again = new StateFile(p, { logger: silentLogger(), now: () => now, stored: '016155011' });
    again.save('016155011');
    await again.flush();
    expect(again.counters.writes).toBe(0);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a directory that is not there is a logged failure, not a crash', async () => {
    const { logger, lines } = recordingLogger();
    const s = new StateFile(path.join(dir, 'missing', 'state.json'), { logger, now: () => 0 });
    s.save('016155010');
    await s.flush();
    expect(s.counters.failures).toBe(1);
    expect(lines()[0]).toMatchObject({ level: 50, msg: 'cannot write the state file; the next change tries again' });
  });
});
