import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeError, ErrorCode } from '../../../src/core/errors.js';
import { VirtualClock } from '../../../src/environment/clock.js';
import type { StatusReport } from '../../../src/home/types.js';
import type { LinkState } from '../../../src/links/link.js';
import { checksumHex } from '../../../src/links/serial/checksum.js';
import { encodeBoardLine } from '../../../src/links/serial/line-codec.js';
import type { BoardLine } from '../../../src/links/serial/line-types.js';
import { SerialLink } from '../../../src/links/serial/serial-link.js';
import type { SerialTiming } from '../../../src/links/serial/serial-timing.js';
import { mockSerial, settle, type MockSerial } from '../../support/mock-serial.js';

const TIMING: SerialTiming = {
  bootWaitMs: 2000,
  ackTimeoutMs: 500,
  retries: 2,
  silenceTimeoutMs: 3500,
  reopenInitialMs: 500,
  reopenMaxMs: 10_000,
};
const BOOT = encodeBoardLine({ type: 'boot', firmware: '1.0.0', protocol: 1, board: 'smarthome-uno' });
const board = (line: BoardLine): string => encodeBoardLine(line);
const host = (body: string): string => `${body}*${checksumHex(body)}\n`;
const zero = { checksum: 0, tooLong: 0, garbled: 0, unknown: 0 };

interface Harness {
  mock: MockSerial;
  clock: VirtualClock;
  link: SerialLink;
  statuses: StatusReport[];
  errors: BridgeError[];
  states: LinkState[];
}

const links: SerialLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
});

function harness(timing: Partial<SerialTiming> = {}): Harness {
  const mock = mockSerial();
  const clock = new VirtualClock(1_000_000);
  const link = new SerialLink({ path: mock.path, binding: mock.binding, clock, timing: { ...TIMING, ...timing } });
  links.push(link);
  const h: Harness = { mock, clock, link, statuses: [], errors: [], states: [] };
  link.on('status', (r) => h.statuses.push(r));
  link.on('error', (e) => h.errors.push(e));
  link.on('state', (s) => h.states.push(s));
  return h;
}

/** A board that answers GET and PING with `status`, and SET by merging (enough for these tests). */
function answerWith(mock: MockSerial, status: string): void {
  mock.onHostLine = (line) => {
    if (line.type === 'get')
      return board({ type: 'status', cause: 'request', status }) + board({ type: 'ack', id: line.id, status });
    if (line.type === 'ping') return board({ type: 'ack', id: line.id, status });
    return undefined;
  };
}

/** Opens and completes the BOOT handshake with status `status`. */
async function ready(h: Harness, status = '000000000'): Promise<void> {
  answerWith(h.mock, status);
  const started = h.link.start();
  await settle();
  h.mock.emit(BOOT + board({ type: 'status', cause: 'boot', status }));
  await settle();
  await started;
  h.mock.onHostLine = undefined;
}

async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error('expected a rejection');
}

describe('SerialLink handshake', () => {
  it('waits for BOOT through boot noise, checks the version, reads the status with GET 1', async () => {
    const h = harness();
    answerWith(h.mock, '000000000');
    const started = h.link.start();
    await settle();
    expect(h.link.state).toBe('starting');
    // A real Uno resets on open; its bootloader may print junk before the sketch starts.
    h.mock.emit(Buffer.from([0x00, 0xff, 0xfe, 0x0a]));
    h.mock.emit('garbage without checksum\r\n');
    h.mock.emit(`${BOOT.slice(0, 10)}`);
    await settle();
    h.mock.emit(`${BOOT.slice(10)}${board({ type: 'status', cause: 'boot', status: '000000000' })}`);
    await settle();
    await started;
    expect(h.link.state).toBe('ready');
    expect(h.mock.written()).toBe(host('GET 1'));
    expect(h.statuses.map((s) => [s.cause, s.status])).toEqual([['boot', '000000000']]);
    expect(h.errors).toEqual([]);
    expect(h.link.counters()).toMatchObject({ bootNoise: 2, checksum: 0, garbled: 0, unknown: 0 });
  });

  it('refuses a board that speaks another protocol version, naming both', async () => {
    const h = harness();
    const started = h.link.start();
    await settle();
    h.mock.emit(board({ type: 'boot', firmware: '2.0.0', protocol: 2, board: 'smarthome-uno' }));
    const err = await rejection(started);
    expect(err.code).toBe(ErrorCode.PROTOCOL_MISMATCH);
    expect(err.context).toMatchObject({ protocol: 2, expected: 1 });
    expect(h.link.state).toBe('stopped');
    expect(h.mock.isOpen).toBe(false);
    expect(h.mock.written()).toBe('');
  });

  it('probes a board that did not reset on open with a lone newline and PING after the boot wait', async () => {
    const h = harness();
    answerWith(h.mock, '016155010');
    const started = h.link.start();
    await settle();
    h.clock.advance(1999);
    await settle();
    expect(h.mock.written()).toBe('');
    h.clock.advance(1);
    await settle();
    await started;
    expect(h.mock.written()).toBe(`\n${host('PING 1')}${host('GET 2')}`);
    expect(h.statuses.map((s) => [s.cause, s.status])).toEqual([['request', '016155010']]);
  });

  it('gives up with a clear error naming the likely causes when nothing answers', async () => {
    const h = harness();
    const started = h.link.start();
    await settle();
    h.mock.emit('\x80\x81garbled at the wrong baud\n');
    h.clock.advance(2000);
    for (let i = 0; i < 3; i++) {
      await settle();
      h.clock.advance(500);
    }
    const err = await rejection(started);
    expect(err.code).toBe(ErrorCode.LINK_TIMEOUT);
    expect(err.message).toMatch(/wrong port/);
    expect(err.message).toMatch(/not flashed/);
    expect(err.message).toMatch(/baud/);
    expect(err.message).toMatch(/1 garbled/);
    expect(h.mock.written()).toBe(`\n${host('PING 1').repeat(3)}`);
    expect(h.mock.isOpen).toBe(false);
  });

  it('fails to start with PORT_UNAVAILABLE when the port does not exist', async () => {
    const h = harness();
    h.mock.unplug();
    const err = await rejection(h.link.start());
    expect(err.code).toBe(ErrorCode.PORT_UNAVAILABLE);
    expect(err.message).toContain(h.mock.path);
  });
});

describe('SerialLink commands', () => {
  it('sends a command with an id and resolves with the status of its ACK', async () => {
    const h = harness();
    await ready(h);
    const applied = h.link.apply('016155010');
    await settle();
    expect(h.mock.written()).toBe(host('GET 1') + host('SET 2 016155010'));
    const order: string[] = [];
    h.link.on('status', () => order.push('status'));
    void applied.then(() => order.push('resolved'));
    h.mock.emit(
      board({ type: 'status', cause: 'command', status: '016155010' }) +
        board({ type: 'ack', id: 2, status: '016155010' }),
    );
    expect(await applied).toBe('016155010');
    expect(h.link.status).toBe('016155010');
    expect(h.statuses.map((s) => s.cause)).toEqual(['boot', 'command']);
    // The bridge publishes the status report before the acknowledgement.
    expect(order).toEqual(['status', 'resolved']);
  });

  it('resends the same line (same id) on timeout, then rejects with LINK_TIMEOUT', async () => {
    const h = harness();
    await ready(h);
    const applied = h.link.apply('016155010');
    for (let i = 0; i < 3; i++) {
      await settle();
      h.clock.advance(500);
    }
    const err = await rejection(applied);
    expect(err.code).toBe(ErrorCode.LINK_TIMEOUT);
    expect(h.mock.written()).toBe(host('GET 1') + host('SET 2 016155010').repeat(3));
    expect(h.link.counters()).toMatchObject({ retries: 2, timeouts: 1 });
    // The ACK arrives too late: counted, never taken as the answer to the next command.
    h.mock.emit(board({ type: 'ack', id: 2, status: '016155010' }));
    const next = h.link.apply('100000000');
    await settle();
    expect(h.link.counters()).toMatchObject({ staleReplies: 1 });
    h.mock.emit(board({ type: 'ack', id: 3, status: '100000000' }));
    expect(await next).toBe('100000000');
  });

  it('takes a late ACK of an earlier attempt as the answer (retries keep the id)', async () => {
    const h = harness();
    await ready(h);
    const applied = h.link.apply('016155010');
    await settle();
    h.clock.advance(500);
    await settle();
    expect(h.mock.written()).toBe(host('GET 1') + host('SET 2 016155010').repeat(2));
    h.mock.emit(board({ type: 'ack', id: 2, status: '016155010' }));
    expect(await applied).toBe('016155010');
    // The duplicate ACK of the second attempt changes nothing.
    h.mock.emit(board({ type: 'ack', id: 2, status: '016155010' }));
    await settle();
    expect(h.link.counters()).toMatchObject({ retries: 1, timeouts: 0, staleReplies: 1 });
  });

  it('maps a board error with the id to DEVICE_REJECTED with its reason, or the status code', async () => {
    const h = harness();
    await ready(h);
    const first = h.link.apply('016155010');
    await settle();
    h.mock.emit(board({ type: 'error', id: 2, code: 'BAD_ARGS' }));
    const err = await rejection(first);
    expect(err.code).toBe(ErrorCode.DEVICE_REJECTED);
    expect(err.context).toMatchObject({ reason: 'BAD_ARGS', id: 2 });
    const second = h.link.apply('016155010');
    await settle();
    h.mock.emit(board({ type: 'error', id: 3, code: 'STATUS_RANGE', detail: 0 }));
    expect((await rejection(second)).code).toBe(ErrorCode.STATUS_RANGE);
  });

  it('never lets a newline, a star or a second command reach the wire', async () => {
    const h = harness();
    await ready(h);
    const before = h.mock.written();
    for (const payload of [
      '016155010\nSET 1 999999999',
      '01615501*',
      '016155010*7F',
      '016155010 ',
      '\n',
      'SET 1 016155010',
    ]) {
      const err = await rejection(h.link.apply(payload));
      expect(err.code).toMatch(/^STATUS_/);
    }
    await settle();
    expect(h.mock.written()).toBe(before);
  });

  it('drops garbage, overlong, bad-checksum and unknown lines: counted, reported, never acted on', async () => {
    const h = harness();
    await ready(h);
    const applied = h.link.apply('016155010');
    await settle();
    const ack = board({ type: 'ack', id: 2, status: '016155010' });
    h.mock.emit(ack.replace(/\*..\n$/, '*00\n')); // the right ACK with a wrong checksum
    h.mock.emit('ACK 2 016155010\n'); // no checksum
    h.mock.emit(`${'A'.repeat(200)}\n`);
    h.mock.emit(host('HELLO 2'));
    h.mock.emit('ACK 2 01615\x00010*AA\n');
    await settle();
    let settled = false;
    void applied.then(() => (settled = true));
    await settle();
    expect(settled).toBe(false);
    expect(h.link.counters()).toMatchObject({ checksum: 1, garbled: 2, tooLong: 1, unknown: 1 });
    expect(h.errors.map((e) => e.code).sort()).toEqual(
      [
        ErrorCode.LINE_CHECKSUM,
        ErrorCode.LINE_GARBLED,
        ErrorCode.LINE_GARBLED,
        ErrorCode.LINE_TOO_LONG,
        ErrorCode.LINE_UNKNOWN,
      ].sort(),
    );
    h.mock.emit(ack);
    expect(await applied).toBe('016155010');
  });

  it('turns climate, rain, button and window lines into readings and events, heartbeats into counters', async () => {
    const h = harness();
    await ready(h);
    const sensors: unknown[] = [];
    const events: unknown[] = [];
    h.link.on('sensor', (s) => sensors.push(s));
    h.link.on('event', (e) => events.push(e));
    const t = h.clock.now();
    h.mock.emit(
      board({ type: 'climate', temperature: 23.4, humidity: 45 }) +
        board({ type: 'rain', raining: true }) +
        board({ type: 'event', event: 'button', button: 'light' }) +
        board({ type: 'status', cause: 'button', status: '000100000' }) +
        board({ type: 'event', event: 'window', open: true }) +
        board({ type: 'heartbeat', uptime: 5000, counters: { checksum: 3, tooLong: 0, garbled: 1, unknown: 2 } }),
    );
    await settle();
    expect(sensors).toEqual([
      { sensor: 'climate', temperature: 23.4, humidity: 45, time: t },
      { sensor: 'rain', raining: true, time: t },
    ]);
    expect(events).toEqual([
      { event: 'button', button: 'light', time: t },
      { event: 'window', open: true, time: t },
    ]);
    expect(h.statuses.at(-1)).toEqual({ status: '000100000', cause: 'button', time: t });
    expect(h.link.counters()).toMatchObject({ 'board.checksum': 3, 'board.garbled': 1, 'board.unknown': 2 });
  });

  it('refuses commands while not ready with LINK_NOT_READY', async () => {
    const h = harness();
    expect((await rejection(h.link.apply('016155010'))).code).toBe(ErrorCode.LINK_NOT_READY);
    expect((await rejection(h.link.requestStatus())).code).toBe(ErrorCode.LINK_NOT_READY);
  });
});

describe('SerialLink liveness and reopening', () => {
  it('stays ready on heartbeats; serial silence past three heartbeats → unresponsive, error, reopened', async () => {
    const h = harness();
    await ready(h, '016155010');
    for (let i = 1; i <= 5; i++) {
      h.clock.advance(1000);
      h.mock.emit(board({ type: 'heartbeat', uptime: i * 1000, counters: zero }));
      await settle();
    }
    expect(h.link.state).toBe('ready');
    h.clock.advance(3499);
    await settle();
    expect(h.link.state).toBe('ready');
    h.clock.advance(1);
    await settle();
    expect(h.link.state).toBe('unresponsive');
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.LINK_TIMEOUT]);
    expect(h.mock.isOpen).toBe(false);
    // Reopened after the first backoff step; the board (reset by the open) boots again.
    answerWith(h.mock, '000000000');
    h.clock.advance(500);
    await settle();
    expect(h.mock.opened).toHaveLength(2);
    h.mock.emit(BOOT + board({ type: 'status', cause: 'boot', status: '000000000' }));
    await settle();
    expect(h.link.state).toBe('ready');
    expect(h.statuses.map((s) => [s.cause, s.status]).slice(-1)).toEqual([['boot', '000000000']]);
    expect(h.link.counters()).toMatchObject({ unresponsive: 1 });
  });

  it('reports an unplugged port once, reopens with backoff, and resyncs the status on return', async () => {
    const h = harness();
    await ready(h, '016155010');
    const inFlight = rejection(h.link.apply('100000000'));
    await settle();
    h.mock.unplug();
    await settle();
    expect(h.link.state).toBe('disconnected');
    expect((await inFlight).code).toBe(ErrorCode.LINK_NOT_READY);
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.PORT_UNAVAILABLE]);
    expect((await rejection(h.link.apply('100000000'))).code).toBe(ErrorCode.LINK_NOT_READY);
    // Tries at +0.5 s, +1 s, +2 s, +4 s: all fail while unplugged, reported only once.
    for (const delay of [500, 1000, 2000, 4000]) {
      h.clock.advance(delay - 1);
      await settle();
      const before = h.link.counters()['reopenFailures'] ?? 0;
      h.clock.advance(1);
      await settle();
      expect(h.link.counters()['reopenFailures']).toBe(before + 1);
    }
    expect(h.errors).toHaveLength(1);
    // Back, without a reset (so no BOOT): PING, then GET shows a change made while away.
    h.mock.plugIn();
    answerWith(h.mock, '000100000');
    h.clock.advance(8000);
    await settle();
    h.clock.advance(2000);
    await settle();
    expect(h.link.state).toBe('ready');
    expect(h.mock.written()).toBe(`\n${host('PING 3')}${host('GET 4')}`);
    expect(h.statuses.at(-1)).toMatchObject({ status: '000100000', cause: 'resync' });
    h.mock.onHostLine = (line) =>
      line.type === 'set' ? board({ type: 'ack', id: line.id, status: '100100000' }) : undefined;
    expect(await h.link.apply('100000000')).toBe('100100000');
  });

  it('reads the status again when the heartbeat uptime goes back (a restart whose BOOT was lost)', async () => {
    const h = harness();
    await ready(h, '016155010');
    h.mock.emit(board({ type: 'heartbeat', uptime: 90_000, counters: zero }));
    await settle();
    answerWith(h.mock, '000000000');
    h.mock.emit(board({ type: 'heartbeat', uptime: 1000, counters: zero }));
    await settle();
    expect(h.statuses.at(-1)).toMatchObject({ status: '000000000', cause: 'resync' });
    expect(h.link.counters()).toMatchObject({ boardRestarts: 1 });
  });

  it('stop() cancels what waits and closes the port', async () => {
    const h = harness();
    await ready(h);
    const pending = h.link.apply('016155010');
    await settle();
    await h.link.stop();
    expect((await rejection(pending)).code).toBe(ErrorCode.LINK_CLOSED);
    expect(h.link.state).toBe('stopped');
    expect(h.mock.isOpen).toBe(false);
  });
});
