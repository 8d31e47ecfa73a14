import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { BridgeError, ErrorCode } from '../core/errors.js';
import { ROUTE_NAMES } from '../core/routes.js';
import type { OutboxJournal, OutgoingMessage } from './outbox.js';
import type { RouteName } from './payloads.js';

/**
 * The journal behind `--queue-file`: reports not yet confirmed by the broker survive a crash or SIGKILL
 * of the bridge. Append-only lines, each `<crc32 hex> +<seq> <json>` (a report enters) or
 * `<crc32 hex> -<seq>` (it was confirmed, dropped or superseded). Every line is written at once (the
 * kernel keeps it when the process dies); fsync is batched. A torn or corrupt line (a crash mid-write, a
 * damaged disk) is skipped and counted, never fatal. The file is rewritten (temp file + rename) at
 * start and whenever dead lines outweigh live ones, so its size stays bounded by what is pending.
 */
export interface OutboxStoreOptions {
  /** How often written lines are flushed to disk; 0 = after every line. */
  fsyncIntervalMs: number;
}

export interface OutboxStoreStats {
  /** Reports found pending at start. */
  restored: number;
  /** Lines skipped at start because they were torn or failed their checksum. */
  corrupt: number;
  compactions: number;
  bytes: number;
}

const COMPACT_SLACK_BYTES = 64 * 1024;

export class OutboxStore implements OutboxJournal {
  readonly path: string;
  readonly #fsyncIntervalMs: number;
  readonly #live = new Map<number, string>();
  #liveBytes = 0;
  #fd: number;
  #bytes = 0;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #lockPath: string;
  /** Pending reports of the previous run, oldest first (consumed by the Outbox). */
  readonly restored: OutgoingMessage[];
  readonly nextSeq: number;
  readonly stats: OutboxStoreStats = { restored: 0, corrupt: 0, compactions: 0, bytes: 0 };

  private constructor(path: string, options: OutboxStoreOptions) {
    this.path = path;
    this.#fsyncIntervalMs = options.fsyncIntervalMs;
    this.#lockPath = `${path}.lock`;
    this.#lock();
    const { messages, corrupt, maxSeq } = readJournal(path);
    this.restored = messages;
    this.nextSeq = maxSeq + 1;
    this.stats.restored = messages.length;
    this.stats.corrupt = corrupt;
    for (const m of messages) this.#remember(m);
    this.#fd = this.#rewrite();
    if (this.#fsyncIntervalMs > 0) {
      this.#timer = setInterval(() => this.sync(), this.#fsyncIntervalMs);
      this.#timer.unref();
    }
  }

  /** Opens (creating if needed) the journal at `path` and reads what the previous run left pending. */
  static open(path: string, options: OutboxStoreOptions): OutboxStore {
    return new OutboxStore(path, options);
  }

  add(m: OutgoingMessage): void {
    if (this.#closed || m.seq === undefined || this.#live.has(m.seq)) return;
    this.#remember(m);
    this.#append(`+${m.seq} ${this.#live.get(m.seq)!}`);
  }

  remove(seq: number): void {
    const line = this.#live.get(seq);
    if (this.#closed || line === undefined) return;
    this.#live.delete(seq);
    this.#liveBytes -= line.length;
    this.#append(`-${seq}`);
    if (this.#bytes > 2 * this.#liveBytes + COMPACT_SLACK_BYTES) this.#compact();
  }

  /** Reports journalled and not yet confirmed. */
  get pending(): number {
    return this.#live.size;
  }

  /** Flushes written lines to disk. */
  sync(): void {
    if (!this.#dirty || this.#closed) return;
    this.#dirty = false;
    fdatasyncSync(this.#fd);
  }

  close(): void {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.sync();
    this.#closed = true;
    closeSync(this.#fd);
    try {
      unlinkSync(this.#lockPath);
    } catch {
      /* already gone */
    }
  }

  #remember(m: OutgoingMessage): void {
    const body = JSON.stringify({ r: m.route, t: m.topic, p: m.payload, q: m.qos, k: m.retain });
    this.#live.set(m.seq!, body);
    this.#liveBytes += body.length;
  }

  #append(body: string): void {
    const line = `${checksum(body)} ${body}\n`;
    this.#bytes += writeSync(this.#fd, line);
    this.stats.bytes = this.#bytes;
    this.#dirty = true;
    if (this.#fsyncIntervalMs === 0) this.sync();
  }

  #compact(): void {
    closeSync(this.#fd);
    this.#fd = this.#rewrite();
    this.stats.compactions++;
  }

  /** Writes the live lines to a temp file, makes it durable, renames it over the journal; returns an append fd. */
  #rewrite(): number {
    const tmp = `${this.path}.tmp`;
    const text = [...this.#live].map(([seq, body]) => `${checksum(`+${seq} ${body}`)} +${seq} ${body}\n`).join('');
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    syncDir(dirname(this.path));
    this.#bytes = Buffer.byteLength(text);
    this.stats.bytes = this.#bytes;
    return openSync(this.path, 'a', 0o600);
  }

  /** One bridge per journal: a second one would interleave lines. A lock left by a dead process is taken over. */
  #lock(): void {
    try {
      writeFileSync(this.#lockPath, String(process.pid), { flag: 'wx', mode: 0o600 });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw queueFileError(this.path, e);
    }
    const holder = Number(readFileSync(this.#lockPath, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new BridgeError(
        ErrorCode.QUEUE_FILE,
        `queue file ${this.path} is in use by process ${holder} (one bridge per --queue-file)`,
        { path: this.path, pid: holder },
      );
    }
    writeFileSync(this.#lockPath, String(process.pid), { mode: 0o600 });
  }
}

const ROUTES: ReadonlySet<string> = new Set<RouteName>(ROUTE_NAMES);

function readJournal(path: string): { messages: OutgoingMessage[]; corrupt: number; maxSeq: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { messages: [], corrupt: 0, maxSeq: 0 };
    throw queueFileError(path, e);
  }
  const live = new Map<number, OutgoingMessage>();
  let corrupt = 0;
  let maxSeq = 0;
  const lines = text.split('\n');
  // The part after the last newline is a line the previous run was writing when it died.
  const tail = lines.pop();
  if (tail) corrupt++;
  for (const line of lines) {
    const entry = parseLine(line);
    if (!entry) {
      corrupt++;
      continue;
    }
    maxSeq = Math.max(maxSeq, entry.seq);
    if (entry.message) live.set(entry.seq, entry.message);
    else live.delete(entry.seq);
  }
  return { messages: [...live.values()].sort((a, b) => a.seq! - b.seq!), corrupt, maxSeq };
}

function parseLine(line: string): { seq: number; message?: OutgoingMessage } | undefined {
  const m = /^([0-9a-f]{8}) ([+-])(\d{1,15})(?: (.*))?$/.exec(line);
  if (!m || checksum(line.slice(9)) !== m[1]) return undefined;
  const seq = Number(m[3]);
  if (m[2] === '-') return m[4] === undefined ? { seq } : undefined;
  try {
    const v = JSON.parse(m[4] ?? '') as Record<string, unknown>;
    if (
      !ROUTES.has(v['r'] as string) ||
      typeof v['t'] !== 'string' ||
      typeof v['p'] !== 'string' ||
      (v['q'] !== 0 && v['q'] !== 1) ||
      typeof v['k'] !== 'boolean'
    ) {
      return undefined;
    }
    return {
      seq,
      message: { route: v['r'] as RouteName, topic: v['t'], payload: v['p'], qos: v['q'], retain: v['k'], seq },
    };
  } catch {
    return undefined;
  }
}

const checksum = (body: string): string => crc32(body).toString(16).padStart(8, '0');

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed process can linger as a zombie until reaped; it holds nothing.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function queueFileError(path: string, e: unknown): BridgeError {
  return new BridgeError(ErrorCode.QUEUE_FILE, `cannot use queue file ${path}: ${(e as Error).message}`, { path });
}
