import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/environment/clock.js';
import { Verifier } from '../../../src/fleet/verify/verifier.js';
import { formatReport } from '../../../src/fleet/verify/session.js';
import { ReportSequence } from '../../../src/bus/report-sequence.js';
import { sensorPayload } from '../../../src/bus/payloads.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000): Clock & { t: number } {
  return {
    t: start,
    speed: 1,
    now() {
      return this.t;
    },
    setTimer: () => ({ due: 0 }),
    clearTimer: () => undefined,
  };
}

const sensor = (home: string, seq: number, sent: number, boot = 1): string =>
  JSON.stringify({
    Producer: 'smarthome',
    command: 'sensor',
    home,
    time: '',
    sensor: 'rain',
    rain: 0,
    seq,
    boot,
    sent,
  });

describe('Verifier', () => {
  it("reads the fleet's own sensor payloads and any other key order alike", () => {
    const clock = manualClock();
    const seq = new ReportSequence(() => clock.t - 4);
    const fleetWritten = JSON.stringify(
      seq.stamp(sensorPayload('h-0', { sensor: 'climate', temperature: 21.5, humidity: 40, time: clock.t })),
    );
    expect(fleetWritten.startsWith('{"Producer":"smarthome","command":"sensor","home":"h-0"')).toBe(true);
    const reordered = JSON.stringify({
      seq: 1,
      sent: clock.t - 6,
      boot: seq.boot,
      home: 'h-0',
      command: 'sensor',
      Producer: 'smarthome',
    });
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(Buffer.from(fleetWritten));
    v.onMessage(reordered);
    v.onMessage(fleetWritten);
    const r = v.report();
    expect(r).toMatchObject({
      homes: 1,
      received: 2,
      duplicates: 1,
      lost: 0,
      invalid: 0,
      latencyMs: { count: 2, max: 6 },
    });
    expect(r.latencyMs.p50).toBeCloseTo(4, 2);
  });

  it('reads odd fleet-order payloads exactly as JSON.parse does', () => {
    // The fleet's key order is read from the bytes; the same fields in another order go through JSON.parse.
    // Each case must come out alike both ways: counted with the same latency, or not counted.
    const clock = manualClock(1_700_000_000_000);
    const cases: Array<[string, unknown, unknown, unknown]> = [
      ['plain', 3, 1, clock.t - 2.5],
      ['with "quote"', 0, 1, clock.t - 1],
      ['ünïcødé-🏠', 0, 1, clock.t - 1.25],
      ['back\\slash', 0, 1, clock.t],
      ['exponent', 0, 1e21, clock.t - 3],
      ['negative sent', 0, 1, -5],
      ['fraction seq', 1.5, 1, clock.t],
      ['string seq', '1', 1, clock.t],
      ['long fraction', 0, 1, clock.t - 0.123456789012],
      ['sixteen digits', 1234567890123456, 1, clock.t],
    ];
    const fleetOrder = new Verifier({ clock, baseline: 'zero' });
    const otherOrder = new Verifier({ clock, baseline: 'zero' });
    for (const [home, seq, boot, sent] of cases) {
      const fields = { Producer: 'smarthome', command: 'sensor', home, time: '', sensor: 'rain', rain: 0 };
      fleetOrder.onMessage(Buffer.from(JSON.stringify({ ...fields, seq, boot, sent })));
      otherOrder.onMessage(Buffer.from(JSON.stringify({ sent, boot, seq, ...fields })));
    }
    const a = fleetOrder.report({ final: true });
    const b = otherOrder.report({ final: true });
    expect(a).toEqual({ ...b, elapsedS: a.elapsedS });
    // Not counted: a fractional or a string seq. Counted: the rest (a sent of -5 is an hour late, the cap).
    expect(a).toMatchObject({ homes: 8, invalid: 2, latencyMs: { count: 8, max: 3_600_000, negative: 0 } });
    expect(a.anomalies).toEqual(b.anomalies);
  });

  it('reads a payload lent in the middle of a buffer without looking past either end', () => {
    const clock = manualClock(1_700_000_000_000);
    const fields = { Producer: 'smarthome', command: 'sensor', time: '', sensor: 'rain', rain: 0 };
    const payloads = [
      { ...fields, home: 'h-1', seq: 0, boot: 1, sent: clock.t - 2 },
      // A field after the numbers, and the numbers' keys inside strings: found where JSON.parse finds them.
      { ...fields, home: 'h-2', seq: 0, boot: 1, sent: clock.t - 3, extra: ',"seq":9,"boot":1,"sent":0}' },
      { ...fields, home: 'h-3', time: ',"seq":5,"boot":1,"sent":1}', seq: 0, boot: 1, sent: clock.t - 1 },
    ].map((p) => Buffer.from(JSON.stringify(p)));
    const whole = new Verifier({ clock, baseline: 'zero' });
    const lent = new Verifier({ clock, baseline: 'zero' });
    for (const p of payloads) {
      whole.onMessage(p);
      // Bytes around it that a reader going past either end would take for part of the report.
      const around = Buffer.concat([Buffer.from('{"seq":1,'), p, Buffer.from('8,"sent":0}')]);
      lent.onMessage(around, 9, 9 + p.length);
    }
    const a = lent.report({ final: true });
    expect(a).toMatchObject({ homes: 3, received: 3, invalid: 0, lost: 0, latencyMs: { count: 3, max: 3 } });
    expect(a).toEqual({ ...whole.report({ final: true }), elapsedS: a.elapsedS });
  });

  it("measures end-to-end latency from each report's sent time, and not for duplicates", () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(sensor('h-0', 0, clock.t - 5));
    v.onMessage(sensor('h-0', 1, clock.t - 7));
    v.onMessage(sensor('h-0', 1, clock.t - 500));
    const r = v.report();
    expect(r).toMatchObject({ received: 2, duplicates: 1, latencyMs: { count: 2, max: 7 } });
  });

  it('says an interval in which nothing arrived has no latency, not one of 0 ms (the human line)', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(sensor('h-0', 0, clock.t - 5));
    expect(formatReport(v.report({ interval: true }))).toContain('e2e p50 5 p99 5 p99.9 5 max 5 ms');
    clock.t += 1000;
    const quiet = v.report({ interval: true });
    expect(formatReport(quiet)).toMatch(/· e2e —$/);
    expect(formatReport(quiet, true)).toContain('e2e p50 5 p99 5 p99.9 5 max 5 ms');
  });

  it('counts unreadable messages and ignores other homes and reports without numbers', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero', homePrefix: 'mine-' });
    v.onMessage('not json');
    v.onMessage(Buffer.from('{"command":"sensor","home":"mine-1"}'));
    v.onMessage(sensor('other-1', 0, clock.t));
    v.onMessage(JSON.stringify({ command: 'status', home: 'mine-1', status: '000000000' }));
    expect(v.report()).toMatchObject({ homes: 0, received: 0, invalid: 2 });
    // A shard's verifier: only its own homes count, in either payload form.
    const shard = new Verifier({ clock, baseline: 'zero', homes: new Set(['h-0']) });
    shard.onMessage(sensor('h-0', 0, clock.t));
    shard.onMessage(sensor('h-1', 0, clock.t));
    shard.onMessage(JSON.stringify({ seq: 0, boot: 1, sent: clock.t, home: 'h-2', command: 'sensor' }));
    expect(shard.report()).toMatchObject({ homes: 1, received: 1 });
  });

  it('times commands to their acks and counts the unanswered', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero', commandIdPrefix: 'v-', commandTimeoutMs: 1000 });
    const a = v.nextCommandId();
    const b = v.nextCommandId();
    clock.t += 12;
    v.onMessage(JSON.stringify({ command: 'ack', home: 'h-1', id: a }));
    v.onMessage(JSON.stringify({ command: 'ack', home: 'h-1', id: 'someone-else-7' }));
    expect(v.report().commands).toMatchObject({
      sent: 2,
      acked: 1,
      pending: 1,
      unanswered: 0,
      rttMs: { count: 1, max: 12 },
    });
    clock.t += 2000;
    expect(v.report().commands).toMatchObject({ acked: 1, pending: 0, unanswered: 1 });
    v.onMessage(JSON.stringify({ command: 'ack', home: 'h-1', id: b })); // too late: already counted unanswered
    expect(v.report().commands).toMatchObject({ acked: 1, unanswered: 1 });
  });

  it('reports each interval apart from the running totals', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(sensor('h-0', 0, clock.t));
    v.onMessage(sensor('h-0', 2, clock.t));
    expect(v.report({ interval: true }).interval).toMatchObject({ received: 2, lost: 1 });
    v.onMessage(sensor('h-0', 1, clock.t));
    v.onMessage(sensor('h-0', 3, clock.t));
    const r = v.report({ interval: true, final: true });
    expect(r.interval).toMatchObject({ received: 2, lost: -1, reordered: 1 });
    expect(r).toMatchObject({ received: 4, lost: 0, anomalies: [{ home: 'h-0', reordered: 1 }] });
  });

  it('counts each latency once in the totals and once in its interval, whatever mix of reports is asked for', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(sensor('h-0', 0, clock.t - 1));
    expect(v.report().latencyMs.count).toBe(1); // a plain report does not close the interval
    v.onMessage(sensor('h-0', 1, clock.t - 2));
    const first = v.report({ interval: true });
    expect(first.latencyMs).toMatchObject({ count: 2, max: 2 });
    expect(first.interval.latencyMs).toMatchObject({ count: 2, max: 2 });
    v.onMessage(sensor('h-0', 2, clock.t + 1)); // sent "in the future": recorded as 0, counted negative
    expect(v.report().interval.latencyMs).toMatchObject({ count: 1, negative: 1 });
    const second = v.report({ interval: true, final: true });
    expect(second.latencyMs).toMatchObject({ count: 3, max: 2, negative: 1 });
    expect(second.interval.latencyMs).toMatchObject({ count: 1, max: 0, negative: 1 });
    expect(v.report({ interval: true }).interval.latencyMs.count).toBe(0);
  });

  it('sends commands only to homes that are up: heard from, and not announced offline', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    expect(v.randomLiveHome()).toBeUndefined();
    v.onMessage(sensor('h-0', 0, clock.t));
    v.onMessage(JSON.stringify({ command: 'availability', home: 'h-1', state: 'online', seq: 0, boot: 1 }));
    v.onMessage(JSON.stringify({ command: 'availability', home: 'h-2', state: 'online', seq: 0, boot: 1 }));
    v.onMessage(JSON.stringify({ command: 'availability', home: 'h-0', state: 'offline', seq: 1, boot: 1 }));
    const picked = new Set([0, 0.34, 0.5, 0.67, 0.99].map((r) => v.randomLiveHome(() => r)));
    expect([...picked].sort()).toEqual(['h-1', 'h-2']);
  });

  it('takes a home announced offline back as up when it reports, beside live ids it does not track', () => {
    // A gateway's own availability (no seq) makes its id live without a sequence to track; a home whose
    // offline announcement came first (retained) and whose online one was missed is up once it reports.
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    v.onMessage(JSON.stringify({ command: 'availability', home: 'h-gw-0', gateway: 'h-gw-0', state: 'online' }));
    v.onMessage(JSON.stringify({ command: 'availability', home: 'h-1', state: 'offline', seq: 3, boot: 1 }));
    expect(v.randomLiveHome(() => 0)).toBe('h-gw-0');
    v.onMessage(sensor('h-1', 3, clock.t));
    const picked = new Set([0, 0.99].map((r) => v.randomLiveHome(() => r)));
    expect([...picked].sort()).toEqual(['h-1', 'h-gw-0']);
  });

  it('finds a home it knows by its number, and still tells homes apart by their whole name', () => {
    const clock = manualClock();
    const v = new Verifier({ clock, baseline: 'zero' });
    for (let round = 0; round < 3; round++) {
      v.onMessage(sensor('a-1', round, clock.t)); // indexed: the first prefix
      v.onMessage(sensor('b-1', round, clock.t)); // same number, another prefix: by name
      v.onMessage(sensor('a-01', round, clock.t)); // a leading zero: by name
      v.onMessage(sensor('a-1x', round, clock.t)); // not a number: by name
    }
    v.onMessage(sensor('a-1', 1, clock.t)); // a duplicate of a-1 only
    v.onMessage(sensor('b-1', 7, clock.t)); // b-1 skips 3..6
    expect(v.report({ final: true })).toMatchObject({
      homes: 4,
      received: 13,
      duplicates: 1,
      lost: 4,
      anomalies: [
        { home: 'b-1', lost: 4, duplicates: 0 },
        { home: 'a-1', lost: 0, duplicates: 1 },
      ],
    });
    // A known home announced offline is up again when it next reports.
    v.onMessage(JSON.stringify({ command: 'availability', home: 'a-1', state: 'offline', seq: 3, boot: 1 }));
    expect(new Set([0, 0.3, 0.6, 0.99].map((r) => v.randomLiveHome(() => r)))).not.toContain('a-1');
    v.onMessage(sensor('a-1', 3, clock.t));
    expect(new Set([0, 0.3, 0.6, 0.99].map((r) => v.randomLiveHome(() => r)))).toContain('a-1');
  });
});
