import { readFileSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { isBridgeError } from './core/errors.js';
import { validateStatus } from './home/status-codec.js';
import type { StatusString } from './home/types.js';

/**
 * `--state-file PATH` (and one file per home under a fleet's `--state-dir`): the last status the home
 * reported, kept by the bridge itself so a restart brings the same home back (docs/bus.md "Restart").
 *
 *   {"status":"016155010","time":"2026-12-04T16:00:00.000Z"}
 *
 * Written atomically (temporary file beside it, rename; fsync too unless the owner opts out), only when
 * the status differs from what the file holds, one write at a time (changes meanwhile fold into the next).
 * Reading never throws: a missing file is "nothing stored", a corrupt one is a problem the caller logs.
 */
export type StoredStatus = { status: StatusString; problem?: undefined } | { status?: undefined; problem?: string };

/** Reads a state file: the status, nothing (absent), or a problem (unreadable, not our JSON, not a valid status). */
export async function readStateFile(file: string): Promise<StoredStatus> {
  try {
    return parseState(await readFile(file, 'utf8'));
  } catch (e) {
    return readFailure(e);
  }
}

/** The same, synchronously (a fleet reads thousands of small files while it paces its connections). */
export function readStateFileSync(file: string): StoredStatus {
  try {
    return parseState(readFileSync(file, 'utf8'));
  } catch (e) {
    return readFailure(e);
  }
}

function readFailure(e: unknown): StoredStatus {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
  return { problem: (e as Error).message };
}

function parseState(text: string): StoredStatus {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  const status = typeof v === 'object' && v !== null ? (v as { status?: unknown }).status : undefined;
  try {
    return { status: validateStatus(status) };
  } catch (e) {
    return { problem: isBridgeError(e) ? e.message : 'no valid status' };
  }
}

export interface StateFileOptions {
  logger: Logger;
  /** fsync the data before the rename (default true; a fleet of thousands of homes may opt out). */
  fsync?: boolean;
  /** What the file holds now (from readStateFile): an equal status is not written again. */
  stored?: StatusString | undefined;
  /** Clock time (ms since the epoch) for the `time` field. */
  now: () => number;
}

export class StateFile {
  readonly path: string;
  readonly #o: StateFileOptions;
  #written: StatusString | undefined;
  #wanted: StatusString | undefined;
  #writing: Promise<void> | undefined;
  readonly counters = { writes: 0, failures: 0 };

  constructor(file: string, options: StateFileOptions) {
    this.path = path.resolve(file);
    this.#o = options;
    this.#written = options.stored;
  }

  save(status: StatusString): void {
    this.#wanted = status;
    if (status === this.#written || this.#writing) return;
    this.#writing = this.#writeLoop().finally(() => (this.#writing = undefined));
  }

  /** Resolves when every status saved so far is on disk (or failed, logged). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #writeLoop(): Promise<void> {
    while (this.#wanted !== undefined && this.#wanted !== this.#written) {
      const status = this.#wanted;
      try {
        await this.#write(status);
        this.#written = status;
        this.counters.writes++;
      } catch (e) {
        this.counters.failures++;
        this.#o.logger.error(
          { file: this.path, err: (e as Error).message },
          'cannot write the state file; the next change tries again',
        );
        return;
      }
    }
  }

  async #write(status: StatusString): Promise<void> {
    const time = new Date(this.#o.now()).toISOString();
    const tmp = path.join(path.dirname(this.path), `.${path.basename(this.path)}.${process.pid}.tmp`);
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(`${JSON.stringify({ status, time })}\n`);
      if (this.#o.fsync !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}
