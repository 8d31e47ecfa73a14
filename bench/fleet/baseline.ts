/**
 * The floor for the fleet benchmark: the same traffic as `smarthome-bridge fleet` — N MQTT connections
 * with the same options, each subscribed to its own address and publishing a climate and a rain
 * reading of the same size every period — from a plain mqtt.js loop with no home, bridge or clock.
 * Prints the same JSON lines as `fleet --output json`, so the benchmark reads both alike.
 *
 *   npx tsx bench/fleet/baseline.ts --url mqtt://127.0.0.1:1883 --homes 1000 [--period-ms 1000]
 *     [--connect-rate 2000] [--interval-ms 1000] [--prefix base] [--keepalive 60]
 */
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { Histogram } from '../../src/fleet/histogram.js';
import type { FleetStats } from '../../src/fleet/stats.js';
import { startStatsLines, writeFinalLine } from './stats-lines.js';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    homes: { type: 'string' },
    'period-ms': { type: 'string', default: '1000' },
    'connect-rate': { type: 'string', default: '2000' },
    'interval-ms': { type: 'string', default: '1000' },
    prefix: { type: 'string', default: 'base' },
    keepalive: { type: 'string', default: '60' },
  },
});
if (!a.url || !a.homes) throw new Error('usage: baseline.ts --url URL --homes N [...]');
const url = a.url;
const homes = Number(a.homes);
const period = Number(a['period-ms']);
const rate = Number(a['connect-rate']);

const clients: MqttClient[] = [];
const lateness = new Histogram();
let connected = 0;
let published = 0;
let stopping = false;
const origin = Date.now() - performance.now();

// A timer wheel with one slot per millisecond of the period: a client publishes when its slot comes by.
const slots: number[][] = Array.from({ length: period }, () => []);
let lastMs = Math.floor(performance.now());

function publishReadings(i: number, dueMs: number): void {
  const c = clients[i]!;
  const now = performance.now();
  const time = new Date(origin + now).toISOString();
  const home = `${a.prefix}-${i}`;
  c.publish(
    'webos/report/smarthome/info',
    `{"Producer":"smarthome","command":"sensor","home":"${home}",` +
      `"time":"${time}","sensor":"climate","temp":27.3,"humi":55}`,
    { qos: 0, retain: false },
  );
  c.publish(
    'webos/report/smarthome/info',
    `{"Producer":"smarthome","command":"sensor","home":"${home}","time":"${time}","sensor":"rain","rain":0}`,
    { qos: 0, retain: false },
  );
  published += 2;
  const late = performance.now() - dueMs;
  lateness.record(late);
  lateness.record(late);
}

function tick(): void {
  const now = Math.floor(performance.now());
  for (let t = lastMs + 1; t <= now; t++) for (const i of slots[t % period]!) publishReadings(i, t);
  lastMs = now;
  if (!stopping) setTimeout(tick, 1);
}

function connect(i: number): void {
  const home = `${a.prefix}-${i}`;
  const c = mqtt.connect(url, {
    protocolVersion: 4,
    clientId: home,
    keepalive: Number(a.keepalive),
    clean: true,
    resubscribe: false,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    queueQoSZero: false,
    will: {
      topic: 'webos/report/smarthome/info',
      payload: Buffer.from(
        `{"Producer":"smarthome","command":"availability","home":"${home}","time":"${new Date().toISOString()}",` +
          `"state":"offline","link":"emulated","version":"0.1.0"}`,
      ),
      qos: 0,
      retain: false,
    },
  });
  clients[i] = c;
  let first = true;
  let up = false;
  c.on('connect', () => {
    up = true;
    connected++;
    c.subscribe(`webos/smarthome/${home}/#`, { qos: 0 });
    if (first) {
      first = false;
      slots[Math.floor(performance.now()) % period]!.push(i);
    }
  });
  c.on('close', () => {
    if (up) connected--;
    up = false;
  });
  c.on('error', () => undefined);
}

function stats(): FleetStats {
  return {
    homes,
    started: clients.length,
    connected,
    messagesIn: 0,
    messagesOut: published,
    reports: published,
    errors: 0,
    disconnects: 0,
    lateness: lateness.snapshot(),
    ackLatency: [],
  };
}

let next = 0;
let allowance = 0;
let last = performance.now();
const pacer = setInterval(() => {
  const now = performance.now();
  allowance = Math.min(allowance + (rate * (now - last)) / 1000, Math.max(1, rate));
  last = now;
  while (allowance >= 1 && next < homes) {
    allowance -= 1;
    connect(next++);
  }
  if (next >= homes) clearInterval(pacer);
}, 20);
tick();

const report = startStatsLines(stats, homes, Number(a['interval-ms']));

process.on('SIGTERM', () => {
  stopping = true;
  clearInterval(report);
  clearInterval(pacer);
  void Promise.all(clients.map((c) => c.endAsync())).then(() => {
    writeFinalLine(stats());
    process.exit(0);
  });
});
