import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { loadDevicesConfig } from '../src/config/load.js';
import { silentLogger } from '../src/core/logger.js';
import { RealClock } from '../src/environment/clock.js';
import { decodeHostLine, encodeBoardLine } from '../src/links/serial/line-codec.js';
import { LineSplitter } from '../src/links/serial/line-splitter.js';
import type { HostLine } from '../src/links/serial/line-types.js';
import { SerialLink } from '../src/links/serial/serial-link.js';
import { startRuntime } from '../src/runtime.js';
import { mockSerial } from '../test/support/mock-serial.js';
import { socatAvailable, startPtyPair } from '../test/support/socat.js';
import { startBenchMosquitto } from './support/mosquitto.js';
import { median, percentile, round } from './support/numbers.js';
import type { Benchmark, BenchContext, BenchOutcome, BenchRow } from './support/types.js';

/**
 * The serial pipeline: board lines in, MQTT reports out — split, checksum, parse, validate, map to a
 * sensor report, encode and publish (to a private mosquitto). A peer in this process plays the board:
 * it answers the handshake, then writes climate and rain lines, on @serialport/binding-mock and on a
 * socat pseudo-terminal (the native serialport binding, as with a real Uno). Throughput: 20,000 lines
 * a second offered in chunks of 64 for 3 s; lines per CPU second of this process (the peer's writes
 * included) is what one core could carry. Added latency: one line at a time, from the bytes handed to
 * the port to the report handed to the MQTT client.
 */
const CHUNK_LINES = 64;
/** The target rate per core: the link is offered this many lines a second. */
const OFFERED_LINES_PER_S = 20_000;
const STATUS = '000000000';
const TARGET_LINES_PER_CORE = 20_000;
const TARGET_P99_MS = 2;

interface BoardPeer {
  path: string;
  binding?: ReturnType<typeof mockSerial>['binding'];
  write(text: string): void;
  onHostLine(fn: (line: HostLine) => void): void;
  close(): Promise<void>;
}

function mockPeer(): BoardPeer {
  const mock = mockSerial('bench');
  let handler: ((l: HostLine) => void) | undefined;
  mock.onHostLine = (line) => {
    handler?.(line);
    return undefined;
  };
  return {
    path: mock.path,
    binding: mock.binding,
    write: (text) => {
      if (mock.isOpen) mock.emit(text);
    },
    onHostLine: (fn) => (handler = fn),
    close: async () => undefined,
  };
}

async function ptyPeer(): Promise<BoardPeer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-pty-'));
  const pair = await startPtyPair(path.join(dir, 'host'), path.join(dir, 'board'));
  const port = new SerialPort({ path: pair.b, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  // Writes go straight to the pty (one write(2) per chunk); reads go through serialport.
  const fd = openSync(pair.b, 'w');
  const splitter = new LineSplitter();
  let handler: ((l: HostLine) => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    for (const item of splitter.feed(chunk)) {
      if (!item.ok) continue;
      const line = decodeHostLine(item.line);
      if (line.type !== 'rejected') handler?.(line);
    }
  });
  return {
    path: pair.a,
    write: (text) => void writeSync(fd, text),
    onHostLine: (fn) => (handler = fn),
    close: async () => {
      closeSync(fd);
      await new Promise((r) => port.close(r));
      await pair.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Answers GET and PING like the sketch, and says BOOT until the host has greeted it. */
function playBoard(peer: BoardPeer): () => void {
  let greeted = false;
  peer.onHostLine((line) => {
    greeted = true;
    if (line.type === 'get')
      peer.write(
        encodeBoardLine({ type: 'status', cause: 'request', status: STATUS }) +
          encodeBoardLine({ type: 'ack', id: line.id, status: STATUS }),
      );
    else if (line.type === 'ping' || line.type === 'set')
      peer.write(encodeBoardLine({ type: 'ack', id: line.id, status: STATUS }));
  });
  const boot = encodeBoardLine({ type: 'boot', firmware: '1.0.0', protocol: 1, board: 'bench-peer' });
  const timer = setInterval(() => {
    if (!greeted) peer.write(boot);
  }, 100);
  return () => clearInterval(timer);
}

function chunkOfLines(n: number, salt: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const k = salt + i;
    out +=
      k % 2
        ? encodeBoardLine({ type: 'rain', raining: k % 4 === 1 })
        : encodeBoardLine({ type: 'climate', temperature: 20 + (k % 100) / 10, humidity: 40 + (k % 50) });
  }
  return out;
}

interface VariantResult {
  linesPerS: number;
  linesPerCpuS: number;
  cpuUsPerLine: number;
  p50Ms: number;
  p99Ms: number;
  lines: number;
  samples: number;
}

async function runVariant(ctx: BenchContext, kind: 'binding-mock' | 'pty', brokerUrl: string): Promise<VariantResult> {
  const peer = kind === 'pty' ? await ptyPeer() : mockPeer();
  const stopBooting = playBoard(peer);
  const link = new SerialLink({
    path: peer.path,
    binding: peer.binding,
    clock: new RealClock(),
    logger: silentLogger(),
    commandTimeoutMs: 3000,
  });
  const runtime = await startRuntime({
    config: await loadDevicesConfig(),
    link,
    logger: silentLogger(),
    brokerUrl,
    clientId: `bench-pipeline-${process.pid}-${kind}`,
  });
  stopBooting();
  let seen = 0;
  let wake: (() => void) | undefined;
  // Registered after the bridge's listener: when this runs, the report has been published.
  link.on('sensor', () => {
    seen++;
    wake?.();
  });
  const until = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (seen >= n) return resolve();
      const t = setTimeout(() => reject(new Error(`${kind}: only ${seen} of ${n} lines came through`)), 10_000);
      wake = () => {
        if (seen < n) return;
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });
  try {
    const chunks = Array.from({ length: 16 }, (_, i) => chunkOfLines(CHUNK_LINES, i * CHUNK_LINES));
    // Warm-up, then OFFERED_LINES_PER_S for runMs: chunks on a schedule, at most four in flight.
    // Offered, not as fast as possible: faster than the MQTT socket drains, mqtt.js piles up one
    // 'drain' listener per publish and the benchmark would measure that instead.
    for (let i = 0; i < 50; i++) {
      peer.write(chunks[i % 16]!);
      await until(seen + CHUNK_LINES);
    }
    const runMs = ctx.quick ? 1000 : 3000;
    const chunkMs = (CHUNK_LINES / OFFERED_LINES_PER_S) * 1000;
    const start = seen;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let sent = seen;
    for (let c = 0; performance.now() - t0 < runMs; c++) {
      const wait = t0 + c * chunkMs - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      if (sent - seen > 4 * CHUNK_LINES) await until(sent - 2 * CHUNK_LINES);
      peer.write(chunks[c % 16]!);
      sent += CHUNK_LINES;
    }
    await until(sent);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuS = (cpu.user + cpu.system) / 1e6;
    const lines = seen - start;
    // Latency: one line at a time.
    const latencies: number[] = [];
    const one = chunkOfLines(1, 0);
    for (let i = 0; i < (ctx.quick ? 300 : 1000); i++) {
      const target = seen + 1;
      const t = performance.now();
      peer.write(one);
      await until(target);
      latencies.push(performance.now() - t);
    }
    const r: VariantResult = {
      linesPerS: round(lines / wallS, 0),
      linesPerCpuS: round(lines / cpuS, 0),
      cpuUsPerLine: round((cpuS * 1e6) / lines, 1),
      p50Ms: round(percentile(latencies, 50), 3),
      p99Ms: round(percentile(latencies, 99), 3),
      lines,
      samples: latencies.length,
    };
    ctx.log(`pipeline ${kind}: ${JSON.stringify(r)}`);
    return r;
  } finally {
    await runtime.stop();
    await peer.close();
  }
}

/**
 * The floor under the pty figures: the same single lines through socat and the native serialport
 * binding to a bare reader, with no link, bridge or MQTT behind it.
 */
async function ptyFloor(samples: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const peer = await ptyPeer();
  const host = new SerialPort({ path: peer.path, baudRate: 115_200, autoOpen: false });
  await new Promise<void>((resolve, reject) => host.open((e) => (e ? reject(e) : resolve())));
  let wake: (() => void) | undefined;
  let buffered = '';
  host.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    if (buffered.endsWith('\n')) {
      buffered = '';
      wake?.();
    }
  });
  const line = chunkOfLines(1, 0);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      await new Promise<void>((resolve) => {
        wake = resolve;
        peer.write(line);
      });
      latencies.push(performance.now() - t);
    }
  } finally {
    await new Promise((r) => host.close(r));
    await peer.close();
  }
  return { p50Ms: round(percentile(latencies, 50), 3), p99Ms: round(percentile(latencies, 99), 3) };
}

export async function runPipeline(ctx: BenchContext): Promise<BenchOutcome> {
  const broker = await startBenchMosquitto();
  const runs = ctx.quick ? 1 : 3;
  const results: Record<string, VariantResult[]> = { 'binding-mock': [], pty: [] };
  const floors: Array<{ p50Ms: number; p99Ms: number }> = [];
  try {
    const kinds: Array<'binding-mock' | 'pty'> = socatAvailable() ? ['binding-mock', 'pty'] : ['binding-mock'];
    for (let r = 0; r < runs; r++) {
      for (const kind of kinds) results[kind]!.push(await runVariant(ctx, kind, broker.url));
      if (kinds.includes('pty')) floors.push(await ptyFloor(ctx.quick ? 300 : 1000));
    }
  } finally {
    await broker.stop();
  }
  const med = (kind: string, k: keyof VariantResult): number => round(median(results[kind]!.map((r) => r[k])), 3);
  const rows: BenchRow[] = [];
  for (const kind of ['binding-mock', 'pty']) {
    if (results[kind]!.length === 0) {
      rows.push({ metric: `${kind}: lines/s`, value: 'skipped: socat not installed' });
      continue;
    }
    rows.push(
      {
        metric: `${kind}: lines per CPU second (carried of ${OFFERED_LINES_PER_S}/s offered)`,
        value: `${med(kind, 'linesPerCpuS')} (${med(kind, 'linesPerS')}/s)`,
        target: `≥ ${TARGET_LINES_PER_CORE} per core`,
        met: med(kind, 'linesPerCpuS') >= TARGET_LINES_PER_CORE,
      },
      { metric: `${kind}: CPU per line`, value: `${med(kind, 'cpuUsPerLine')} µs` },
      {
        metric: `${kind}: added latency p50 / p99`,
        value: `${med(kind, 'p50Ms')} / ${med(kind, 'p99Ms')} ms`,
        target: `p99 < ${TARGET_P99_MS} ms`,
        met: med(kind, 'p99Ms') < TARGET_P99_MS,
      },
    );
  }
  if (floors.length) {
    const floor = (k: 'p50Ms' | 'p99Ms'): number => round(median(floors.map((f) => f[k])), 3);
    rows.push({
      metric: 'pty floor (socat + serialport, no link): p50 / p99',
      value: `${floor('p50Ms')} / ${floor('p99Ms')} ms`,
    });
  }
  return {
    status: 'ok',
    rows,
    data: { chunkLines: CHUNK_LINES, offeredLinesPerS: OFFERED_LINES_PER_S, runs, results, ptyFloor: floors },
  };
}

export const pipeline: Benchmark = {
  name: 'pipeline',
  describe: 'serial lines through split → parse → validate → map → publish (binding-mock, pseudo-terminal)',
  run: runPipeline,
};
