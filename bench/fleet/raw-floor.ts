/**
 * The raw floor for the fleet benchmark: what one Node thread needs for the fleet's traffic with no MQTT
 * library at all. N TCP sockets, each sending a hand-framed MQTT 3.1.1 CONNECT (client id, clean
 * session, the same offline will) and reading its CONNACK; then one 10 ms timer writes, for every device
 * whose turn has come, a climate and a rain report as QoS 0 PUBLISH packets whose fixed header and topic
 * are framed once, with the JSON built per message in the fleet's shape and size (home, time, seq, boot,
 * sent: about 175 bytes). Prints the same JSON lines as `fleet --output json`, so the benchmark reads
 * all three alike. Keepalive is off (the window is shorter than the fleet's 60 s keepalive anyway).
 *
 *   npx tsx bench/fleet/raw-floor.ts --url mqtt://127.0.0.1:1883 --homes 10000 [--period-ms 2000]
 *     [--in-flight 2000] [--interval-ms 1000] [--prefix raw]
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Histogram } from '../../src/fleet/histogram.js';
import type { FleetStats } from '../../src/fleet/stats.js';
import { startStatsLines, writeFinalLine } from './stats-lines.js';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    homes: { type: 'string' },
    'period-ms': { type: 'string', default: '2000' },
    'in-flight': { type: 'string', default: '2000' },
    'interval-ms': { type: 'string', default: '1000' },
    prefix: { type: 'string', default: 'raw' },
  },
});
if (!a.url || !a.homes) throw new Error('usage: raw-floor.ts --url URL --homes N [...]');
const url = new URL(a.url);
const homes = Number(a.homes);
const period = Number(a['period-ms']);
const inFlightMax = Number(a['in-flight']);
const TOPIC = 'webos/report/smarthome/info';
const TICK_MS = 10;

/** MQTT's variable-length "remaining length". */
function remainingLength(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const str = (s: string | Buffer): Buffer => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

function connectPacket(clientId: string, willPayload: string): Buffer {
  // Protocol "MQTT" level 4; flags: clean session (0x02) + will flag (0x04), will QoS 0, not retained.
  const variable = Buffer.concat([str('MQTT'), Buffer.from([4, 0x06, 0, 0])]);
  const payload = Buffer.concat([str(clientId), str(TOPIC), str(willPayload)]);
  const body = Buffer.concat([variable, payload]);
  return Buffer.concat([Buffer.from([0x10]), remainingLength(body.length), body]);
}

function subscribePacket(filter: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([0])]);
  return Buffer.concat([Buffer.from([0x82]), remainingLength(body.length), body]);
}

/** The topic part of every PUBLISH (QoS 0: no packet id), framed once. */
const topicBytes = str(TOPIC);

function publish(socket: net.Socket, json: string): void {
  const payload = Buffer.from(json);
  const header = Buffer.concat([Buffer.from([0x30]), remainingLength(topicBytes.length + payload.length)]);
  socket.write(Buffer.concat([header, topicBytes, payload]));
}

interface Device {
  socket: net.Socket;
  home: string;
  seq: number;
  boot: number;
  /** Next due time (performance.now ms). */
  due: number;
}

const devices: Device[] = [];
const lateness = new Histogram();
const wallOrigin = Date.now() - performance.now();
let connected = 0;
let refused = 0;
let started = 0;
let inFlight = 0;
let published = 0;
let stopping = false;

function open(i: number): void {
  const home = `${a.prefix}-${i}`;
  const will =
    `{"Producer":"smarthome","command":"availability","home":"${home}","time":"${new Date().toISOString()}",` +
    `"state":"offline","link":"emulated","version":"0.1.0"}`;
  const socket = net.connect(Number(url.port || 1883), url.hostname);
  socket.setNoDelay(true);
  started++;
  inFlight++;
  let acked = false;
  socket.on('connect', () => socket.write(connectPacket(home, will)));
  socket.on('data', (d) => {
    if (acked) return;
    if (d[0] === 0x20 && d[3] === 0) {
      acked = true;
      inFlight--;
      connected++;
      socket.write(subscribePacket(`webos/smarthome/${home}/#`));
      // Spread over the period by the golden ratio, as the fleet's homes are (fleet-home.ts sensorPhase).
      const phase = (i * 0.6180339887498949) % 1;
      devices.push({ socket, home, seq: 0, boot: Date.now(), due: performance.now() + phase * period });
    } else {
      refused++;
      inFlight--;
      socket.destroy();
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (!acked && !stopping) {
      refused++;
      inFlight--;
    } else if (acked) connected--;
  });
}

function report(d: Device, now: number): void {
  const wall = wallOrigin + now;
  const time = new Date(wall).toISOString();
  const sent = Math.round(wall * 100) / 100;
  publish(
    d.socket,
    `{"Producer":"smarthome","command":"sensor","home":"${d.home}","time":"${time}","sensor":"climate",` +
      `"temp":27,"humi":55,"seq":${d.seq++},"boot":${d.boot},"sent":${sent}}`,
  );
  publish(
    d.socket,
    `{"Producer":"smarthome","command":"sensor","home":"${d.home}","time":"${time}","sensor":"rain",` +
      `"rain":0,"seq":${d.seq++},"boot":${d.boot},"sent":${sent}}`,
  );
  published += 2;
  const late = now - d.due;
  lateness.record(late);
  lateness.record(late);
}

let next = 0;
const tick = setInterval(() => {
  // Connecting: at most `in-flight` sockets wait for their CONNACK.
  while (next < homes && inFlight < inFlightMax) open(next++);
  const now = performance.now();
  for (const d of devices) {
    if (d.due > now) continue;
    report(d, now);
    d.due += period;
  }
}, TICK_MS);

function stats(): FleetStats {
  return {
    homes,
    started,
    connected,
    messagesIn: 0,
    messagesOut: published,
    reports: published,
    errors: refused,
    disconnects: 0,
    lateness: lateness.snapshot(),
    ackLatency: [],
  };
}

const reporter = startStatsLines(stats, homes, Number(a['interval-ms']));

process.on('SIGTERM', () => {
  stopping = true;
  clearInterval(tick);
  clearInterval(reporter);
  const disconnect = Buffer.from([0xe0, 0]);
  for (const d of devices) d.socket.end(disconnect);
  writeFinalLine(stats());
  setTimeout(() => process.exit(0), 200);
});
