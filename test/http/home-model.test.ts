import { describe, expect, it } from 'vitest';
import { HomeModel } from '../../src/http/home-model.js';

const msg = (o: Record<string, unknown>): Buffer =>
  Buffer.from(JSON.stringify({ Producer: 'smarthome', home: 'h1', ...o }));

describe('HomeModel (what the home page shows, from the bus)', () => {
  it('takes status, readings, acks and errors of its home and leaves other homes out', () => {
    const m = new HomeModel('h1');
    m.ingest('webos/server/info', msg({ command: 'status', status: '015000000', cause: 'command' }), 1);
    m.ingest('webos/server/info', msg({ command: 'sensor', sensor: 'climate', temp: 24.5, humi: 60 }), 2);
    m.ingest('webos/server/info', msg({ command: 'sensor', sensor: 'climate', temp: 99, humi: 1, home: 'h2' }), 3);
    m.ingest(
      'webos/server/info',
      msg({ command: 'ack', request: '015000000', status: '015000000', latencyMs: 1.5, id: 'x' }),
      4,
    );
    m.ingest('webos/server/error', msg({ command: 'error', code: 'STATUS_LENGTH', reason: 'short' }), 5);
    m.ingest('webos/smarthome/info', Buffer.from('016155010'), 6);
    expect(m.status).toBe('015000000');
    expect(m.decoded?.aircon).toEqual({ on: true, power: 5 });
    expect(m.climate).toEqual({ temp: 24.5, humi: 60, t: 2 });
    expect(m.acks[0]).toMatchObject({ id: 'x', latencyMs: 1.5 });
    expect(m.errors[0]).toMatchObject({ code: 'STATUS_LENGTH' });
    expect(m.counts).toEqual({ messages: 5, commands: 1, reports: 1, acks: 1, errors: 1 });
    // A home that reports is online (its retained availability may be hidden behind the status).
    expect(m.availability).toBe('online');
    m.ingest('webos/server/info', msg({ command: 'availability', state: 'offline' }), 7);
    expect(m.availability).toBe('offline');
    expect(m.log.at(-1)!.text).toMatch(/is offline/);
  });

  it('keeps its log and history bounded, the history spanning the whole run', () => {
    const m = new HomeModel('h1');
    for (let t = 0; t < 20_000; t++)
      m.ingest('webos/server/info', msg({ command: 'sensor', sensor: 'climate', temp: 20 + (t % 10), humi: 50 }), t);
    expect(m.log.length).toBeLessThanOrEqual(300);
    expect(m.history.length).toBeLessThan(1000);
    expect(m.history[0]!.t).toBe(0);
    expect(m.history.at(-1)!.t).toBeGreaterThan(19_000);
  });

  it('survives garbage on the bus', () => {
    const m = new HomeModel('h1');
    m.ingest('webos/smarthome/info', Buffer.from('{not json'), 1);
    m.ingest('webos/smarthome/info', Buffer.from([0xff, 0x00, 0x7b]), 2);
    m.ingest('webos/server/info', msg({ command: 'status', status: 'banana' }), 3);
    expect(m.status).toBeUndefined();
    expect(m.log).toHaveLength(3);
  });
});
