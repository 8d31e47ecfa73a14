import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { LevelWithSilent, Logger } from 'pino';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { TypedEmitter } from '../core/events.js';
import type { LinkFault, LinkFaultOptions } from '../links/faults.js';
import { startModuleWorker } from '../core/module-worker.js';
import { shardIndices, splitEvenly, type Shard } from './addressing.js';
import { FleetSlice, type FleetCells, type SliceOptions } from './slice.js';
import { emptyStats, sumStats, type FleetStats } from './stats.js';
import type { WorkerCommand, WorkerInit, WorkerMessage } from './worker-protocol.js';

/**
 * A fleet of virtual homes: the shard's homes run in this thread (`workers: 0`) or are split over
 * worker threads, each running a slice with its own clock and event loop; the main thread only adds
 * up their counters.
 */
export interface FleetOptions extends Omit<SliceOptions, 'indices' | 'logger' | 'gateways'> {
  /** Gateway mode: the whole fleet's homes share this many MQTT connections (all shards together). */
  connections?: number | undefined;
  /** Homes in the whole fleet (all shards). */
  homes: number;
  shard?: Shard | undefined;
  /** Worker threads; 0 runs every home in this thread. */
  workers: number;
  logger: Logger;
  /** Log level inside worker threads (each has its own logger on stderr). */
  logLevel: LevelWithSilent;
}

export interface FleetEvents {
  [event: string]: unknown[];
  fatal: [BridgeError];
}

interface WorkerHandle {
  worker: Worker;
  last: FleetStats;
  exited: Promise<void>;
  pending: Map<number, (s: FleetStats) => void>;
  indices: ReadonlySet<number>;
  faults: Map<number, (error: BridgeError | undefined) => void>;
  cells: Map<number, (c: FleetCells | undefined) => void>;
  /** Positions of this worker's homes in `indices`. */
  offset: number;
  count: number;
}

export class Fleet extends TypedEmitter<FleetEvents> {
  readonly indices: readonly number[];
  readonly #o: FleetOptions;
  #slice: FleetSlice | undefined;
  readonly #workers: WorkerHandle[] = [];
  #seq = 0;
  #fatal = false;

  constructor(options: FleetOptions) {
    super();
    if (!(Number.isInteger(options.homes) && options.homes >= 1))
      throw new BridgeError(ErrorCode.CONFIG_INVALID, `--homes must be a whole number ≥ 1, got ${options.homes}`);
    if (!(Number.isInteger(options.workers) && options.workers >= 0))
      throw new BridgeError(ErrorCode.CONFIG_INVALID, `--workers must be a whole number ≥ 0, got ${options.workers}`);
    this.#o = options;
    this.indices = shardIndices(options.homes, options.shard);
    this.#gateways = options.connections === undefined ? undefined : checkConnections(options, this.indices.length);
  }

  readonly #gateways: number[] | undefined;

  /** In-process homes (workers: 0), for tests and embedding. */
  get slice(): FleetSlice | undefined {
    return this.#slice;
  }

  /** Starts connecting every home (resolves once the workers run; connecting goes on). */
  async start(): Promise<void> {
    const { homes: _homes, shard: _shard, workers, logger, logLevel, connections: _c, ...common } = this.#o;
    if (workers === 0) {
      this.#slice = new FleetSlice({ ...common, indices: this.indices, gateways: this.#gateways, logger });
      this.#slice.on('fatal', (e) => this.#onFatal(e));
      this.#slice.start();
      return;
    }
    const parts = splitEvenly(this.indices, workers);
    // checkConnections made sure every worker has at least one connection.
    const gatewayParts = this.#gateways ? splitEvenly(this.#gateways, parts.length) : undefined;
    let offset = 0;
    await Promise.all(
      parts.map(
        (indices, worker) =>
          new Promise<void>((resolve, reject) => {
            const init: WorkerInit = {
              worker,
              logLevel,
              slice: {
                ...common,
                indices,
                gateways: gatewayParts?.[worker],
                connectRate: common.connectRate === undefined ? undefined : common.connectRate / parts.length,
                connectShare: 1 / parts.length,
              },
            };
            const w = startWorker(init);
            const handle: WorkerHandle = {
              worker: w,
              last: { ...emptyStats(), homes: indices.length },
              exited: new Promise((r) => w.once('exit', () => r())),
              pending: new Map(),
              indices: new Set(indices),
              faults: new Map(),
              cells: new Map(),
              offset,
              count: indices.length,
            };
            offset += indices.length;
            this.#workers.push(handle);
            w.on('message', (m: WorkerMessage) => {
              if (m.type === 'started') resolve();
              else if (m.type === 'stats' || m.type === 'stopped') {
                handle.last = m.stats;
                if (m.type === 'stats') {
                  handle.pending.get(m.seq)?.(m.stats);
                  handle.pending.delete(m.seq);
                }
              } else if (m.type === 'fault') {
                handle.faults.get(m.seq)?.(m.error ? new BridgeError(m.error.code, m.error.message) : undefined);
                handle.faults.delete(m.seq);
              } else if (m.type === 'cells') {
                handle.cells.get(m.seq)?.(m.cells);
                handle.cells.delete(m.seq);
              } else if (m.type === 'fatal') this.#onFatal(new BridgeError(m.code, m.message));
            });
            w.once('error', (e) => {
              logger.error({ err: e.message, worker }, 'fleet worker failed');
              reject(e);
              this.#onFatal(new BridgeError(ErrorCode.INTERNAL, `fleet worker ${worker} failed: ${e.message}`));
            });
            w.once('exit', () => {
              for (const r of handle.pending.values()) r(handle.last);
              handle.pending.clear();
              for (const r of handle.faults.values())
                r(new BridgeError(ErrorCode.LINK_CLOSED, `fleet worker ${worker} has stopped`));
              handle.faults.clear();
              for (const r of handle.cells.values()) r(undefined);
              handle.cells.clear();
            });
          }),
      ),
    );
  }

  /** Current counters of every home of this process. */
  async stats(): Promise<FleetStats> {
    if (this.#slice) return this.#slice.stats();
    if (this.#workers.length === 0) return { ...emptyStats(), homes: this.indices.length };
    const seq = ++this.#seq;
    const parts = await Promise.all(
      this.#workers.map(
        (h) =>
          new Promise<FleetStats>((resolve) => {
            if (h.worker.threadId < 0) return resolve(h.last);
            h.pending.set(seq, resolve);
            h.worker.postMessage({ type: 'stats', seq } satisfies WorkerCommand);
          }),
      ),
    );
    return sumStats(parts);
  }

  /**
   * Injects a link fault into home `index` (of the whole fleet), wherever it runs: unplug, replug,
   * board-reset and serial-garbage reach a firmware home's board; the emulated home has none
   * (FAULT_UNSUPPORTED). `bytes` is serial-garbage's noise (latin1).
   */
  async inject(index: number, fault: LinkFault, options: LinkFaultOptions = {}): Promise<void> {
    if (this.#slice) return this.#slice.inject(index, fault, options);
    const h = this.#workers.find((w) => w.indices.has(index));
    if (!h)
      throw new BridgeError(
        ErrorCode.CONFIG_INVALID,
        `cannot inject ${fault} into ${this.#o.prefix}-${index}: not a home of this ` +
          `${this.#o.shard ? 'shard' : 'fleet'}`,
      );
    if (h.worker.threadId < 0)
      throw new BridgeError(
        ErrorCode.LINK_CLOSED,
        `cannot inject ${fault} into ${this.#o.prefix}-${index}: its worker has stopped`,
      );
    const seq = ++this.#seq;
    const bytes =
      options.bytes === undefined
        ? undefined
        : typeof options.bytes === 'string'
          ? options.bytes
          : Buffer.from(options.bytes).toString('latin1');
    const error = await new Promise<BridgeError | undefined>((resolve) => {
      h.faults.set(seq, resolve);
      h.worker.postMessage({ type: 'fault', seq, index, fault, bytes } satisfies WorkerCommand);
    });
    if (error) throw error;
  }

  /** Every home's cell (state and last lateness), in the order of `indices`: the panel's grid. */
  async cells(): Promise<FleetCells> {
    if (this.#slice) return this.#slice.cells();
    const out: FleetCells = {
      state: new Uint8Array(this.indices.length),
      lateMs: new Uint16Array(this.indices.length),
    };
    const seq = ++this.#seq;
    await Promise.all(
      this.#workers.map(
        (h) =>
          new Promise<void>((resolve) => {
            if (h.worker.threadId < 0) return resolve();
            h.cells.set(seq, (c) => {
              if (c) {
                out.state.set(c.state.subarray(0, h.count), h.offset);
                out.lateMs.set(c.lateMs.subarray(0, h.count), h.offset);
              }
              resolve();
            });
            h.worker.postMessage({ type: 'cells', seq } satisfies WorkerCommand);
          }),
      ),
    );
    return out;
  }

  /** Every home announces offline and disconnects; resolves with the final counters. */
  async stop(): Promise<FleetStats> {
    if (this.#slice) {
      await this.#slice.stop();
      return this.#slice.stats();
    }
    for (const h of this.#workers)
      if (h.worker.threadId >= 0) h.worker.postMessage({ type: 'stop' } satisfies WorkerCommand);
    await Promise.all(
      this.#workers.map(async (h) => {
        // A worker whose homes will not let go (a socket that never closes) is ended after 10 s.
        const timer = setTimeout(() => void h.worker.terminate(), 10_000);
        await h.exited;
        clearTimeout(timer);
      }),
    );
    return sumStats(this.#workers.map((h) => h.last));
  }

  #onFatal(e: BridgeError): void {
    if (this.#fatal) return;
    this.#fatal = true;
    this.emit('fatal', e);
  }
}

/**
 * The gateway numbers this shard runs (gateway g belongs to shard g mod n, as home i does), refusing a
 * count that leaves a shard or a worker thread without a connection, or a connection without a home.
 */
export function checkConnections(
  o: Pick<FleetOptions, 'connections' | 'homes' | 'shard' | 'workers'>,
  shardHomes: number,
): number[] {
  const k = o.connections!;
  const shards = o.shard?.count ?? 1;
  const invalid = (why: string): BridgeError => new BridgeError(ErrorCode.CONFIG_INVALID, `--connections ${why}`);
  if (!(Number.isInteger(k) && k >= 1)) throw invalid(`must be a whole number ≥ 1, got ${k}`);
  if (k > o.homes) throw invalid(`(${k}) cannot exceed --homes (${o.homes}): a connection carries at least one home`);
  if (k < shards) throw invalid(`(${k}) must be at least the shard count (${shards}): every shard needs one`);
  const mine = shardIndices(k, o.shard);
  if (mine.length > shardHomes)
    throw invalid(`(${k}) gives this shard ${mine.length} connections for ${shardHomes} homes`);
  if (o.workers > mine.length)
    throw invalid(`(${mine.length} in this process) must be at least --workers (${o.workers})`);
  return mine;
}

const YOUNG_GENERATION_MB = 96;

/** worker.js beside this file in dist/; worker.ts from source (tsx, vitest): see startModuleWorker. */
function startWorker(init: WorkerInit): Worker {
  const ext = path.extname(fileURLToPath(import.meta.url));
  const entry = new URL(`./worker${ext}`, import.meta.url);
  // Every report leaves garbage (payload, packet, buffers) that dies young; a larger young generation
  // lets it die in cheap scavenges instead of being promoted (as --max-semi-space-size=32 for the main
  // thread; docs/performance.md).
  const options = { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  return startModuleWorker(entry, options);
}
