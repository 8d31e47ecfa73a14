import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Outbox, type OutgoingMessage } from '../../src/bus/outbox.js';
import { OutboxStore } from '../../src/bus/outbox-store.js';
import type { RouteName } from '../../src/bus/payloads.js';

const msg = (route: RouteName, payload: string, topic = 'webos/report/smarthome/info'): OutgoingMessage => ({
  route,
  topic,
  payload,
  qos: 1,
  retain: false,
});
const payloads = (ms: OutgoingMessage[]): string[] => ms.map((m) => m.payload);

describe('Outbox queue policy', () => {
  it('keeps sensor readings and events first-in-first-out', () => {
    const o = new Outbox(10);
    for (const p of ['r1', 'r2', 'r3']) o.push(msg('sensor', p));
    o.push(msg('event', 'e1'));
    expect(payloads(o.drain())).toEqual(['r1', 'r2', 'r3', 'e1']);
  });

  it('keeps only the latest status per topic, at the position of the newest', () => {
    const o = new Outbox(10);
    o.push(msg('status', 's1'));
    o.push(msg('sensor', 'r1'));
    o.push(msg('status', 's2'));
    o.push(msg('status', 'x1', 'other/topic'));
    expect(payloads(o.drain())).toEqual(['r1', 's2', 'x1']);
    expect(o.drops()).toEqual({});
  });

  it('drops the oldest of the first droppable route when full, counts it, and keeps acknowledgements', () => {
    const o = new Outbox(3);
    o.push(msg('ack', 'a1'));
    o.push(msg('sensor', 'r1'));
    o.push(msg('sensor', 'r2'));
    o.push(msg('sensor', 'r3'));
    expect(payloads(o.drain())).toEqual(['a1', 'r2', 'r3']);
    expect(o.drops()).toEqual({ sensor: 1 });
  });

  it('drops the newcomer when only acknowledgements are queued', () => {
    const o = new Outbox({ capacity: 2, dropOrder: ['sensor'] });
    o.push(msg('ack', 'a1'));
    o.push(msg('ack', 'a2'));
    o.push(msg('ack', 'a3'));
    expect(payloads(o.drain())).toEqual(['a1', 'a2']);
    expect(o.drops()).toEqual({ ack: 1 });
  });

  it('follows a configured policy: no latest-wins, events dropped before sensors', () => {
    const o = new Outbox({ capacity: 3, latestWins: [], dropOrder: ['event', 'sensor'] });
    o.push(msg('status', 's1'));
    o.push(msg('event', 'e1'));
    o.push(msg('sensor', 'r1'));
    o.push(msg('status', 's2'));
    expect(payloads(o.drain())).toEqual(['s1', 'r1', 's2']);
    expect(o.drops()).toEqual({ event: 1 });
  });

  it('reports drops once through takeUnreported, and keeps the running total', () => {
    const o = new Outbox(1);
    o.push(msg('sensor', 'r1'));
    o.push(msg('sensor', 'r2'));
    expect(o.takeUnreported()).toEqual({ sensor: 1 });
    expect(o.takeUnreported()).toEqual({});
    o.push(msg('sensor', 'r3'));
    expect(o.drops()).toEqual({ sensor: 2 });
  });

  it('discards a report that can never be sent: out of flight, counted, not reported as lost while away', () => {
    const o = new Outbox(10);
    const m = msg('sensor', 'unsendable');
    o.track(m);
    expect(o.inflight).toBe(1);
    o.discard(m);
    expect(o.inflight).toBe(0);
    expect(o.drops()).toEqual({ sensor: 1 });
    expect(o.takeUnreported()).toEqual({});
  });

  it('tracks drained reports as in flight until settled, and requeues them in order at the front', () => {
    const o = new Outbox(10);
    for (const p of ['r1', 'r2', 'r3']) o.push(msg('sensor', p));
    const sent = o.drain();
    expect(o.inflight).toBe(3);
    o.settle(sent[0]!);
    o.push(msg('sensor', 'r4'));
    o.requeue([sent[2]!, sent[1]!]);
    expect(o.inflight).toBe(0);
    expect(payloads(o.drain())).toEqual(['r2', 'r3', 'r4']);
  });

  it('counts each report in flight once: a second settle or a settle after a requeue changes nothing', () => {
    const o = new Outbox(10);
    const a = msg('sensor', 'a');
    const b = msg('sensor', 'b');
    o.track(a);
    o.track(b);
    o.track(a);
    expect(o.inflight).toBe(2);
    o.settle(a);
    o.settle(a);
    expect(o.inflight).toBe(1);
    o.requeue([b]);
    o.settle(b);
    expect(o.inflight).toBe(0);
    expect(payloads(o.drain())).toEqual(['b']);
    expect(o.inflight).toBe(1);
  });

  it('hands its queue to another outbox with takeAll: in flight there, not here, whatever the numbers', () => {
    // A gateway home's queue numbers its reports 1, 2, … as the connection's own outbox does.
    const home = new Outbox(10);
    const connection = new Outbox(10);
    const own = msg('sensor', 'own');
    connection.track(own);
    for (const p of ['r1', 'r2']) home.push(msg('sensor', p));
    const taken = home.takeAll();
    expect(home.size).toBe(0);
    expect(home.inflight).toBe(0);
    for (const m of taken) connection.track(m);
    expect(connection.inflight).toBe(3);
    for (const m of [...taken, own]) connection.settle(m);
    expect(connection.inflight).toBe(0);
    expect(home.inflight).toBe(0);
  });

  it('never holds more than its capacity, whatever is requeued', () => {
    const o = new Outbox({ capacity: 2, dropOrder: [] });
    const sent = [msg('ack', 'a1'), msg('ack', 'a2')];
    for (const m of sent) o.track(m);
    o.push(msg('ack', 'a3'));
    o.requeue(sent);
    expect(o.size).toBe(2);
    expect(payloads(o.drain())).toEqual(['a1', 'a2']);
    expect(o.drops()).toEqual({ ack: 1 });
  });
});

describe('Outbox bounds and priorities', () => {
  it('a newcomer worth less than everything queued is the one dropped, not a queued status or ack', () => {
    const o = new Outbox(3);
    o.push(msg('status', 's1'));
    o.push(msg('ack', 'a1'));
    o.push(msg('ack', 'a2'));
    o.push(msg('health', 'h1'));
    o.push(msg('sensor', 'r1'));
    o.push(msg('error', 'x1'));
    expect(payloads(o.drain())).toEqual(['s1', 'a1', 'a2']);
    expect(o.drops()).toEqual({ health: 1, sensor: 1, error: 1 });
  });

  it('a newcomer of the same route replaces the oldest of its kind (newest readings kept)', () => {
    const o = new Outbox(3);
    o.push(msg('status', 's1'));
    o.push(msg('sensor', 'r1'));
    o.push(msg('sensor', 'r2'));
    o.push(msg('sensor', 'r3'));
    expect(payloads(o.drain())).toEqual(['s1', 'r2', 'r3']);
    expect(o.drops()).toEqual({ sensor: 1 });
  });

  it('counts drops per route and never holds more than its capacity, for any sequence of reports', () => {
    const routes: RouteName[] = ['status', 'sensor', 'event', 'ack', 'error', 'availability', 'health'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(
          fc.tuple(
            fc.constantFrom(...routes),
            fc.constantFrom('webos/report/smarthome/info', 'webos/report/smarthome/error'),
          ),
          { maxLength: 60 },
        ),
        (capacity, pushes) => {
          const o = new Outbox(capacity);
          const superseded = new Map<string, number>();
          pushes.forEach(([route, topic], i) => {
            o.push(msg(route, `${route}-${i}`, topic));
            expect(o.size).toBeLessThanOrEqual(capacity);
          });
          const out = o.drain();
          const dropped = Object.values(o.drops()).reduce((a, b) => a + b, 0);
          // Every report is either delivered, dropped (counted) or superseded by a newer one of its topic.
          for (const [route, topic] of pushes) {
            if (['status', 'health', 'availability'].includes(route))
              superseded.set(`${route} ${topic}`, (superseded.get(`${route} ${topic}`) ?? 0) + 1);
          }
          const latestKinds = [...superseded.values()].reduce((a, n) => a + n - 1, 0);
          expect(out.length + dropped).toBeGreaterThanOrEqual(pushes.length - latestKinds);
          expect(out.length + dropped).toBeLessThanOrEqual(pushes.length);
          // Delivered in the order pushed.
          const order = out.map((m) => Number(m.payload.split('-')[1]));
          expect([...order].sort((a, b) => a - b)).toEqual(order);
          // An ack is dropped only when the queue holds nothing but acks (and availability, never dropped for another).
          if ((o.drops()['ack'] ?? 0) > 0)
            expect(out.every((m) => m.route === 'ack' || m.route === 'availability')).toBe(true);
        },
      ),
    );
  });
});

describe('Outbox with a journal', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const file = (): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'outbox-'));
    dirs.push(d);
    return path.join(d, 'queue.jsonl');
  };

  it(
    'restores what was queued or in flight, oldest first, and forgets what ' + 'was confirmed, dropped or superseded',
    () => {
      const f = file();
      const a = new Outbox({ capacity: 5 }, OutboxStore.open(f, { fsyncIntervalMs: 0 }));
      a.push(msg('sensor', 'r1'));
      a.track(msg('sensor', 'r2'));
      const confirmed = msg('ack', 'a1');
      a.track(confirmed);
      a.settle(confirmed);
      a.push(msg('status', 's1'));
      a.push(msg('status', 's2'));
      a.push(msg('health', 'h1'));
      a.push(msg('availability', 'online'));
      a.push(msg('sensor', 'r3'));
      // Full (r1, s2, h1, availability, r3): health goes first.
      a.push(msg('event', 'e1'));
      a.close();

      const b = new Outbox({ capacity: 10 }, OutboxStore.open(f, { fsyncIntervalMs: 0 }));
      // Health and availability describe the old process: not journalled.
      expect(payloads(b.drain())).toEqual(['r1', 'r2', 's2', 'r3', 'e1']);
      b.close();
    },
  );

  it('numbers new reports after the restored ones', () => {
    const f = file();
    const a = new Outbox(10, OutboxStore.open(f, { fsyncIntervalMs: 0 }));
    a.push(msg('sensor', 'r1'));
    a.close();
    const b = new Outbox(10, OutboxStore.open(f, { fsyncIntervalMs: 0 }));
    b.push(msg('sensor', 'r2'));
    const [r1, r2] = b.drain();
    expect(r2!.seq!).toBeGreaterThan(r1!.seq!);
    b.close();
  });
});
