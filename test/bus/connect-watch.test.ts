import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/core/errors.js';
import { ConnectWatch, type ConnectVerdict } from '../../src/bus/connect-watch.js';

function watch() {
  let now = 0;
  const w = new ConnectWatch({ clientId: 'home-1', url: 'mqtt://broker:1883', now: () => now });
  const at = (t: number): void => {
    now = t;
  };
  /** One attempt: socket opens, broker answers (or not), connection ends at `end`. */
  const session = (start: number, end: number): ConnectVerdict | undefined => {
    at(start);
    w.socketOpened();
    w.connack();
    at(end);
    return w.closed();
  };
  const unanswered = (opts: { protocolError?: string } = {}): ConnectVerdict | undefined => {
    w.socketOpened();
    if (opts.protocolError) w.error(opts.protocolError, false);
    return w.closed();
  };
  const unreachable = (): ConnectVerdict | undefined => {
    w.error('connect ECONNREFUSED 127.0.0.1:1883', true);
    return w.closed();
  };
  return { w, at, session, unanswered, unreachable };
}

describe('ConnectWatch: CONNECT answered by a closed socket', () => {
  it('is a configuration error (BROKER_REFUSED) on the third attempt in a row before any connection', () => {
    const { unanswered } = watch();
    expect(unanswered()).toMatchObject({ kind: 'unanswered', count: 1 });
    expect(unanswered()).toMatchObject({ kind: 'unanswered', count: 2 });
    const v = unanswered();
    expect(v?.kind).toBe('refused');
    if (v?.kind !== 'refused') return;
    expect(v.error.code).toBe(ErrorCode.BROKER_REFUSED);
    expect(v.error.message).toContain('closed the connection without answering CONNECT');
    expect(v.error.message).toContain('MQTT 3.1.1');
    expect(v.error.context).toMatchObject({ attempts: 3 });
  });

  it('names a reply that is not MQTT (the AMQP port) as such', () => {
    const { unanswered } = watch();
    unanswered({ protocolError: 'Invalid header flag bits, must be 0x0 for puback packet' });
    unanswered({ protocolError: 'Invalid header flag bits, must be 0x0 for puback packet' });
    const v = unanswered({ protocolError: 'Invalid header flag bits, must be 0x0 for puback packet' });
    expect(v?.kind).toBe('refused');
    expect(v?.kind === 'refused' && v.error.message).toMatch(/not MQTT \(Invalid header flag bits.*AMQP \(5672\)/);
  });

  it('names a port that accepts the connection and never answers CONNECT as silent, not as "not MQTT"', () => {
    let now = 0;
    const w = new ConnectWatch({
      clientId: 'home-1',
      url: 'mqtt://broker:1883',
      connectTimeoutMs: 10_000,
      now: () => now,
    });
    w.socketOpened();
    now = 2500;
    expect(w.silentFor()).toBe('no answer to CONNECT within 2.5 s');
    now = 10_000;
    w.error('connack timeout', false);
    const v = w.closed();
    expect(v).toMatchObject({ kind: 'unanswered', count: 1 });
    expect(v?.kind === 'unanswered' && v.reason).toMatch(/^no answer to CONNECT within 10 s/);
    expect(v?.kind === 'unanswered' && v.reason).not.toMatch(/not MQTT/);
    expect(w.silentFor()).toBeUndefined();
  });

  it('an unreachable broker between attempts restarts the count (it is an outage, not a protocol problem)', () => {
    const { unanswered, unreachable } = watch();
    unanswered();
    unanswered();
    expect(unreachable()).toBeUndefined();
    expect(unanswered()).toMatchObject({ kind: 'unanswered', count: 1 });
  });

  it('after one successful connection the port speaks MQTT: later unanswered attempts are only logged', () => {
    const { session, unanswered } = watch();
    session(0, 60_000);
    for (let i = 1; i <= 12; i++) expect(unanswered()).toMatchObject({ kind: 'unanswered', count: i });
  });

  it('a connection the bridge itself dropped counts for nothing', () => {
    const { w, unanswered } = watch();
    for (let i = 0; i < 5; i++) {
      w.socketOpened();
      w.closingOurselves();
      expect(w.closed()).toBeUndefined();
    }
    expect(unanswered()).toMatchObject({ count: 1 });
  });
});

describe('ConnectWatch: a client id shared by two running clients', () => {
  it('three short sessions in a row, each followed at once by a reconnect, are one CLIENT_ID_CONFLICT', () => {
    const { session } = watch();
    expect(session(0, 1_000)).toBeUndefined();
    expect(session(2_000, 3_000)).toBeUndefined();
    const v = session(4_000, 5_000);
    expect(v?.kind).toBe('conflict');
    if (v?.kind !== 'conflict') return;
    expect(v.error.code).toBe(ErrorCode.CLIENT_ID_CONFLICT);
    expect(v.error.message).toContain('"home-1"');
    expect(v.error.message).toContain('--client-id');
    expect(v.error.context).toMatchObject({ clientId: 'home-1', takeovers: 3 });
    // Reported once per episode, however long it lasts.
    for (let t = 6_000; t < 30_000; t += 2_000) expect(session(t, t + 1_000)).toBeUndefined();
  });

  it('a long session ends the episode; a new run of takeovers is reported again', () => {
    const { session } = watch();
    session(0, 1_000);
    session(2_000, 3_000);
    expect(session(4_000, 5_000)?.kind).toBe('conflict');
    expect(session(6_000, 100_000)).toBeUndefined();
    session(101_000, 102_000);
    session(103_000, 104_000);
    session(105_000, 106_000);
    session(107_000, 108_000);
    expect(session(109_000, 110_000)?.kind).toBe('conflict');
  });

  it.each([60_000, 5_000])(
    'the client whose session of %i ms was taken over held the id first: it waits two takeovers longer',
    (heldMs) => {
      const incumbent = watch();
      const newcomer = watch();
      // The incumbent was serving; the newcomer's first connect knocks it off, and from then on each
      // connect of one ends the other's session (each within its reconnect period).
      expect(incumbent.session(0, heldMs)).toBeUndefined();
      const verdicts: string[] = [];
      for (let i = 0; i < 5 && verdicts.length === 0; i++) {
        const t = heldMs + i * 2_000;
        if (newcomer.session(t, t + 1_000)?.kind === 'conflict') verdicts.push('newcomer');
        if (incumbent.session(t + 1_000, t + 2_000)?.kind === 'conflict') verdicts.push('incumbent');
      }
      expect(verdicts).toEqual(['newcomer']);
    },
  );

  it('a broker outage between short sessions (failed attempts) is not a takeover', () => {
    const { session, unreachable, unanswered } = watch();
    session(0, 1_000);
    unreachable();
    session(2_000, 3_000);
    unanswered();
    session(4_000, 5_000);
    expect(session(6_000, 7_000)).toBeUndefined();
  });

  it('sessions ended by a socket error (reset, keepalive timeout) or by the bridge are not takeovers', () => {
    const { w, at } = watch();
    for (let i = 0; i < 6; i++) {
      at(i * 2_000);
      w.socketOpened();
      w.connack();
      if (i % 2) w.error('read ECONNRESET', true);
      else w.closingOurselves();
      at(i * 2_000 + 500);
      expect(w.closed()).toBeUndefined();
    }
    expect(w.takeoversTotal).toBe(0);
  });
});
