import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import type { OutgoingMessage } from '../../src/bus/outbox.js';
import { OutboxStore } from '../../src/bus/outbox-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const journal = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'outbox-store-'));
  dirs.push(d);
  return path.join(d, 'queue.jsonl');
};
const msg = (seq: number, payload = `{"n":${seq}}`): OutgoingMessage => ({
  route: 'sensor',
  topic: 'webos/report/smarthome/info',
  payload,
  qos: 1,
  retain: false,
  seq,
});
// fsync batching is irrelevant here (and an fsync per line is slow): flush at close.
const open = (f: string): OutboxStore => OutboxStore.open(f, { fsyncIntervalMs: 60_000 });

describe('OutboxStore journal', () => {
  it('gives back pending reports in order with their payloads untouched', () => {
    const f = journal();
    const s = open(f);
    const tricky = JSON.stringify({ text: 'line\nbreak \u0000 "quoted" ✓' });
    s.add(msg(1));
    s.add(msg(2, tricky));
    s.add(msg(3));
    s.remove(1);
    s.close();
    const t = open(f);
    expect(t.restored.map((m) => [m.seq, m.payload])).toEqual([
      [2, tricky],
      [3, '{"n":3}'],
    ]);
    expect(t.restored[0]).toMatchObject({
      route: 'sensor',
      topic: 'webos/report/smarthome/info',
      qos: 1,
      retain: false,
    });
    expect(t.nextSeq).toBe(4);
    expect(t.stats).toMatchObject({ restored: 2, corrupt: 0 });
    t.close();
  });

  it('skips and counts a torn last line and lines with a bad checksum', () => {
    const f = journal();
    const s = open(f);
    for (let i = 1; i <= 4; i++) s.add(msg(i));
    s.close();
    const lines = readFileSync(f, 'utf8').split('\n');
    // Line 2 damaged on disk; then a line cut short by a crash.
    lines[1] = lines[1]!.replace(' +2 ', ' +7 ');
    writeFileSync(f, lines.join('\n'));
    appendFileSync(f, '0badc0de +5 {"r":"sens');
    const t = open(f);
    expect(t.restored.map((m) => m.seq)).toEqual([1, 3, 4]);
    expect(t.stats.corrupt).toBe(2);
    t.close();
    // Rewritten at start: the next run sees a clean journal.
    expect(open(f).stats.corrupt).toBe(0);
  });

  it('survives arbitrary garbage without throwing', () => {
    const f = journal();
    writeFileSync(f, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const s = open(f);
    expect(s.restored).toEqual([]);
    expect(s.stats.corrupt).toBeGreaterThan(0);
    s.close();
  });

  it('stays bounded by what is pending when reports come and go for a long time', () => {
    const f = journal();
    const s = open(f);
    const payload = JSON.stringify({ pad: 'x'.repeat(200) });
    for (let i = 1; i <= 20_000; i++) {
      s.add(msg(i, payload));
      if (i > 10) s.remove(i - 10);
    }
    expect(s.pending).toBe(10);
    expect(s.stats.compactions).toBeGreaterThan(0);
    expect(statSync(f).size).toBeLessThan(200 * 1024);
    s.close();
    expect(open(f).restored.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 19_991 + i));
  });

  it('refuses a journal held by a live process, and takes over one left by a dead process', async () => {
    const f = journal();
    const s = open(f);
    try {
      writeFileSync(`${f}.lock`, String(process.ppid));
      expect(() => open(f)).toThrow(expect.objectContaining({ code: 'QUEUE_FILE' }));
    } finally {
      s.close();
    }
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.once('exit', r));
    writeFileSync(`${f}.lock`, String(child.pid));
    const t = open(f);
    t.close();
    expect(existsSync(`${f}.lock`)).toBe(false);
  });

  it('keeps every line written before a SIGKILL', async () => {
    const f = journal();
    const script =
      `
      import { OutboxStore } from ${JSON.stringify(path.resolve('src/bus/outbox-store.ts'))};
      const s = OutboxStore.open(${JSON.stringify(f)}, { fsyncIntervalMs: 60000 });
      for (let i = 1; i <= 500; i++) s.add({ route: 'sensor', topic: 't', payload: String(i), ` +
      `qos: 1, retain: false, seq: i });
      process.stdout.write('written\\n');
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.toString().includes('written') && resolve()),
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const s = open(f);
    expect(s.restored.map((m) => m.payload)).toEqual(Array.from({ length: 500 }, (_, i) => String(i + 1)));
    s.close();
  });

  it('names the file when it cannot be used', () => {
    try {
      open('/proc/definitely/not/here/queue.jsonl');
      expect.unreachable();
    } catch (e) {
      expect(isBridgeError(e, 'QUEUE_FILE')).toBe(true);
      expect((e as Error).message).toContain('/proc/definitely/not/here/queue.jsonl');
    }
  });
});
