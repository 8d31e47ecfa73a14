import { afterEach, describe, expect, it } from 'vitest';
import { isBridgeError } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/environment/clock.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';
import { encodeEntry, encodeHeader, parseRecording, type RecordingEntry } from '../../src/links/replay/format.js';
import { encodeBoardLine, encodeHostLine } from '../../src/links/serial/line-codec.js';
import type { BoardLine, HostLine } from '../../src/links/serial/line-types.js';
import { ReplayLink } from '../../src/links/replay/replay-link.js';

const board = (t: number, line: BoardLine): RecordingEntry => ({ t, from: 'board', data: encodeBoardLine(line) });
const host = (t: number, line: HostLine): RecordingEntry => ({ t, from: 'host', data: encodeHostLine(line) });
const hb = (t: number, uptime: number) =>
  board(t, { type: 'heartbeat', uptime, counters: { checksum: 0, tooLong: 0, garbled: 0, unknown: 0 } });

/** A session as docs/serial-protocol.md §7 shows it, recorded 1.5 s after the port opened. */
const SESSION: RecordingEntry[] = [
  { t: 10, from: 'board', data: '\u0000\u00ffbootloader noise\n' },
  board(1500, { type: 'boot', firmware: '1.0.0', protocol: 1, board: 'smarthome-uno' }),
  board(1502, { type: 'status', cause: 'boot', status: '000000000' }),
  host(1510, { type: 'ping', id: 1 }),
  board(1512, { type: 'ack', id: 1, status: '000000000' }),
  host(1520, { type: 'get', id: 2 }),
  board(1522, { type: 'status', cause: 'request', status: '000000000' }),
  board(1522, { type: 'ack', id: 2, status: '000000000' }),
  host(1600, { type: 'set', id: 0x1a, command: '016155010' }),
  board(1602, { type: 'status', cause: 'command', status: '016155010' }),
  board(1602, { type: 'ack', id: 0x1a, status: '016155010' }),
  hb(2502, 1000),
  host(2600, { type: 'set', id: 0x1b, command: '016155010' }),
  board(2602, { type: 'ack', id: 0x1b, status: '016155010' }),
  host(2700, { type: 'set', id: 3, command: '016155011' }),
  board(2702, { type: 'error', id: 3, code: 'STATUS_RANGE', detail: 0 }),
  board(3502, { type: 'rain', raining: true }),
  board(3502, { type: 'climate', temperature: 23.4, humidity: 45 }),
  { t: 3600, from: 'board', data: 'RAIN 1*00\n' },
  board(3602, { type: 'event', event: 'button', button: 'light' }),
  board(3602, { type: 'status', cause: 'button', status: '012155010' }),
];
const recordingText = (entries: RecordingEntry[]): string =>
  encodeHeader({ port: '/dev/ttyACM0', baudRate: 115_200, started: '2021-11-15T00:00:00.000Z' }) +
  entries.map(encodeEntry).join('');

let home: TestHome | undefined;
afterEach(async () => {
  await home?.close();
  home = undefined;
});

const replayHome = async (entries = SESSION): Promise<TestHome> => {
  const clock = new VirtualClock(Date.UTC(2021, 10, 15));
  const link = new ReplayLink({ recording: parseRecording(recordingText(entries)), source: 'session.jsonl', clock });
  return startHome({ link, clock });
};

describe('the replay link', () => {
  it('boots from the recording and answers a recorded command with its recorded answer', async () => {
    home = await replayHome();
    expect(home.link.kind).toBe('replay');
    await home.expectMessage({ fields: { command: 'status', cause: 'boot', status: '000000000' } }, { within: 0 });
    await home.expectMessage({ fields: { command: 'availability', state: 'online', link: 'replay' } }, { within: 0 });
    await home.send('016155010');
    await home.expectMessage(
      { fields: { command: 'ack', request: '016155010', status: '016155010', changed: true } },
      { within: 0 },
    );
    await home.expectMessage({ fields: { command: 'status', cause: 'command', status: '016155010' } }, { within: 0 });
    // The second recorded SET of the same command: no STATUS line, an unchanged ack.
    await home.send('016155010');
    await home.expectMessage({ fields: { command: 'ack', changed: false } }, { within: 0 });
  });

  it('plays spontaneous lines at their recorded times, bad ones reported as the serial link reports them', async () => {
    home = await replayHome();
    await home.advance('1.9s');
    expect(home.messages.some((m) => (m.json as { command?: string } | undefined)?.command === 'sensor')).toBe(false);
    await home.advance('100ms');
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'rain', rain: 1 } }, { within: 0 });
    await home.expectMessage({ fields: { command: 'sensor', sensor: 'climate', temp: 23.4, humi: 45 } }, { within: 0 });
    await home.advance('100ms');
    await home.expectMessage(
      { topic: 'webos/report/smarthome/error', fields: { command: 'error', code: 'LINE_CHECKSUM', source: 'device' } },
      { within: 0 },
    );
    await home.expectMessage({ fields: { command: 'event', event: 'button', button: 'light' } }, { within: 0 });
    await home.expectStatus('012155010', { within: 0 });
  });

  it('refuses a command the recording holds no answer for, naming what it holds', async () => {
    home = await replayHome();
    await home.send('022222221', { topic: 'webos/smarthome' });
    const err = await home.expectMessage(
      { topic: 'webos/report/smarthome/error', fields: { code: 'REPLAY_MISMATCH' } },
      { within: 0 },
    );
    expect((err.json as { reason: string }).reason).toBe(
      'the recording session.jsonl holds no answer to command 022222221 (unplayed commands: 016155010, 016155011)',
    );
  });

  it('answers a recorded refusal with the board error', async () => {
    home = await replayHome();
    await home.send('016155011');
    await home.expectMessage({ fields: { command: 'error', code: 'STATUS_RANGE' } }, { within: 0 });
  });

  it('answers status requests from the state played so far', async () => {
    home = await replayHome();
    await home.send({ command: 'status', id: 'q' });
    await home.expectMessage({ fields: { command: 'ack', id: 'q', status: '000000000' } }, { within: 0 });
  });

  it('a recording without BOOT still starts (a board that did not reset)', async () => {
    home = await replayHome([
      hb(0, 5000),
      board(5, { type: 'status', cause: 'button', status: '000100000' }),
      hb(1000, 6000),
    ]);
    await home.expectStatus('000100000', { within: 0 });
  });
});

describe('recording files', () => {
  it('are read back as written', () => {
    const r = parseRecording(recordingText(SESSION), 'a.jsonl');
    expect(r.header.port).toBe('/dev/ttyACM0');
    expect(r.entries).toEqual(SESSION);
  });

  it.each([
    ['', 'invalid recording x.jsonl:1: empty'],
    ['{"format":"other"}\n', 'invalid recording x.jsonl:1: not a smarthome-bridge recording'],
    [
      `${encodeHeader({ port: 'p', baudRate: 1, started: 's' })}{"t":1,"from":"board","data":"A\\n"}\nnot json\n`,
      'invalid recording x.jsonl:3: not JSON',
    ],
    [
      `${encodeHeader({ port: 'p', baudRate: 1, started: 's' })}` +
        `{"t":5,"from":"board","data":"A"}\n{"t":4,"from":"host","data":"B"}\n`,
      'invalid recording x.jsonl:3: "t" goes back in time',
    ],
    [
      `${encodeHeader({ port: 'p', baudRate: 1, started: 's' })}{"t":5,"from":"cable","data":"A"}\n`,
      'invalid recording x.jsonl:2: "from" must be "board" or "host"',
    ],
  ])('are rejected with the line of the problem (%#)', (text, message) => {
    let error: unknown;
    try {
      parseRecording(text, 'x.jsonl');
    } catch (e) {
      error = e;
    }
    expect(isBridgeError(error, 'RECORDING_INVALID')).toBe(true);
    expect((error as Error).message.startsWith(message)).toBe(true);
  });
});
