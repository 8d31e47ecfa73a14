import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { shippedDevicesConfig } from '../../src/config/load.js';
import { parseRecording } from '../../src/links/replay/format.js';
import { REPO_ROOT } from '../support/brokers.js';
import { FakeBoard } from '../support/fake-board.js';
import { requireSocat, startPtyPair, type PtyPair } from '../support/socat.js';

let dir: string | undefined;
let pair: PtyPair | undefined;
let board: FakeBoard | undefined;
afterEach(async () => {
  await board?.stop();
  await pair?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = pair = board = undefined;
});

describe.skipIf(!requireSocat())('smarthome-bridge record', () => {
  it('records both directions with times; lines typed on stdin get their checksum', async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-cli-'));
    pair = await startPtyPair(join(dir, 'ttyHost'), join(dir, 'ttyBoard'));
    board = new FakeBoard({ path: pair.b, config: shippedDevicesConfig() });
    await board.open();
    const out = join(dir, 'rec.jsonl');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'record', '--port', pair.a, '--out', out, '--duration', '4s'],
      {
        cwd: REPO_ROOT,
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // Once the recorder says it listens, the board boots and the "host" (stdin) asks it things.
    for (let i = 0; i < 800 && !stderr.includes('recording '); i++) await new Promise((r) => setTimeout(r, 50));
    board.boot();
    child.stdin.write('GET 1\nSET 2 016155010\n');
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/recorded \d+ entries to /);
    expect(stdout).toContain('→ SET 2 016155010*');
    expect(stdout).toContain('← ACK 2 016155010*');

    const rec = parseRecording(await readFile(out, 'utf8'), out);
    expect(rec.header).toMatchObject({ port: pair.a, baudRate: 115_200 });
    const lines = rec.entries.map((e) => `${e.from} ${e.data.replace(/\*[0-9A-F]{2}\n$/, '')}`);
    expect(lines).toContain('board BOOT 1.0.0 1 fake-uno');
    const at = (l: string): number => {
      expect(lines).toContain(l);
      return lines.indexOf(l);
    };
    // Each question before its answer, each answer in order (both questions went out at once).
    expect(at('host GET 1')).toBeLessThan(at('board STATUS request 000000000'));
    expect(at('board STATUS request 000000000')).toBeLessThan(at('board ACK 1 000000000'));
    expect(at('host SET 2 016155010')).toBeLessThan(at('board STATUS command 016155010'));
    expect(at('board ACK 1 000000000')).toBeLessThan(at('board STATUS command 016155010'));
    expect(at('board STATUS command 016155010')).toBeLessThan(at('board ACK 2 016155010'));
    const times = rec.entries.map((e) => e.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  }, 60_000);
});
