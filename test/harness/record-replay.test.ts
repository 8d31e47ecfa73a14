import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDevicesConfig, shippedDevicesConfig } from '../../src/config/load.js';
import { silentLogger } from '../../src/core/logger.js';
import { RealClock } from '../../src/environment/clock.js';
import { createLink } from '../../src/links/create.js';
import { startHome } from '../../src/harness/start-home.js';
import type { TestHome } from '../../src/harness/test-home.js';
import type { ObservedMessage } from '../../src/harness/observer.js';
import { parseRecording } from '../../src/links/replay/format.js';
import { startRecorder, type Recorder } from '../../src/recording/recorder.js';
import { FakeBoard } from '../support/fake-board.js';
import { requireSocat, startPtyPair, type PtyPair } from '../support/socat.js';

let dir: string | undefined;
let pair: PtyPair | undefined;
let board: FakeBoard | undefined;
let recorder: Recorder | undefined;
let home: TestHome | undefined;

afterEach(async () => {
  await home?.close();
  await recorder?.stop();
  await board?.stop();
  await pair?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
  home = recorder = board = pair = dir = undefined;
});

/** What the bus said, without times and latencies, by kind. */
function busOutput(messages: readonly ObservedMessage[]) {
  const out = {
    acks: [] as string[],
    statuses: [] as string[],
    sensors: [] as string[],
    events: [] as string[],
    errors: [] as string[],
  };
  for (const m of messages) {
    const j = m.json as Record<string, unknown> | undefined;
    if (j?.['Producer'] !== 'smarthome') continue;
    const s = (k: string): string => String(j[k]);
    switch (j['command']) {
      case 'ack':
        out.acks.push(`${s('id')} ${s('request')} → ${s('status')} changed=${s('changed')}`);
        break;
      case 'status':
        out.statuses.push(`${s('cause')} ${s('status')}`);
        break;
      case 'sensor':
        out.sensors.push(j['sensor'] === 'climate' ? `climate ${s('temp')} ${s('humi')}` : `rain ${s('rain')}`);
        break;
      case 'event':
        out.events.push(`${s('event')} ${s('button')}${s('open')}`);
        break;
      case 'error':
        out.errors.push(s('code'));
        break;
    }
  }
  return out;
}

/** Every sensor reading published (not only changes): the comparison counts them. */
const periodic = parseDevicesConfig({ bus: { sensorReports: { mode: 'period' } } });

async function drive(h: TestHome): Promise<void> {
  await h.send('016155010');
  await h.send({ command: 'status', id: 's1' }, { topic: 'webos/smarthome' });
  await h.send('022222202', { topic: 'webos/smarthome' });
  await h.send({ command: 'control', id: 'g', gasValve: 'open' });
  await h.send('016155010');
}

describe.skipIf(!requireSocat())('record and replay', () => {
  it('a recording of a board on a serial port replays to the same bus output', async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-replay-'));
    const file = join(dir, 'session.jsonl');
    pair = await startPtyPair(join(dir, 'ttyRecorder'), join(dir, 'ttyBoard'));
    // The board's clock runs five times faster, so its 2 s sensor period takes 400 ms here.
    board = new FakeBoard({ path: pair.b, config: shippedDevicesConfig(), clock: new RealClock(5) });
    recorder = await startRecorder({
      port: pair.a,
      baudRate: 115_200,
      out: file,
      pty: { link: join(dir, 'ttyBridge') },
    });
    const link = await createLink(
      { kind: 'serial', port: join(dir, 'ttyBridge') },
      { config: shippedDevicesConfig(), clock: new RealClock(), logger: silentLogger() },
    );
    // A Uno resets when the host opens its port; the fake board is switched on then instead (its port
    // was closed until now, so nothing came before its BOOT).
    link.once('state', () => setTimeout(() => void board!.open().then(() => board!.boot()), 100));
    home = await startHome({ link, devices: periodic });
    await drive(home);
    await home.advance('1.5s');
    const live = busOutput(home.messages);
    await home.close();
    home = undefined;
    await recorder.stop();
    recorder = undefined;

    const recording = parseRecording(await readFile(file, 'utf8'), file);
    expect(recording.header).toMatchObject({ format: 'smarthome-bridge-recording', version: 1, baudRate: 115_200 });
    const fromHost = recording.entries.filter((e) => e.from === 'host').map((e) => e.data);
    expect(fromHost.some((d) => /^SET [0-9A-F]+ 016155010\*[0-9A-F]{2}\n$/.test(d))).toBe(true);
    expect(
      recording.entries.some((e) => e.from === 'board' && /^BOOT 1\.0\.0 1 fake-uno\*[0-9A-F]{2}\n$/.test(e.data)),
    ).toBe(true);

    home = await startHome({ link: { kind: 'replay', file }, devices: periodic });
    expect(home.link.kind).toBe('replay');
    await drive(home);
    // Past the end of the recording the replayed board falls silent, and the serial link would report
    // it after 3.5 s: stay within that.
    await home.advance('3s');
    const replayed = busOutput(home.messages);

    expect(live.acks).toHaveLength(5);
    expect(replayed.acks).toEqual(live.acks);
    expect(replayed.statuses).toEqual(live.statuses);
    expect(replayed.events).toEqual(live.events);
    expect(live.errors).toEqual([]);
    expect(replayed.errors).toEqual([]);
    expect(live.sensors.length).toBeGreaterThan(2);
    // The replay plays the whole recording; the live bridge stopped listening a little earlier.
    expect(replayed.sensors.slice(0, live.sensors.length)).toEqual(live.sensors);
  });
});
