import { open, stat, unlink } from 'node:fs/promises';
import { BridgeError, ErrorCode } from './core/errors.js';

/**
 * An advisory lock for a file shared with another writer: `<file>.lock`, created exclusively (O_EXCL)
 * and removed when done. Any writer that follows the same rule (create `<file>.lock` with O_EXCL, or
 * wait; re-read, merge, replace; remove the lock) never loses the other's keys. A lock older than
 * `staleMs` belongs to a writer that died holding it and is broken.
 */
export interface FileLockOptions {
  /** Give up after this long (default 5 s). */
  timeoutMs?: number;
  /** A lock file older than this is stale (default 10 s; a holder keeps it for milliseconds). */
  staleMs?: number;
}

export async function withFileLock<T>(file: string, task: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lock = `${file}.lock`;
  const timeoutMs = options.timeoutMs ?? 5000;
  const staleMs = options.staleMs ?? 10_000;
  const started = performance.now();
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o644);
      await fh.writeFile(`${process.pid}\n`).finally(() => fh.close());
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const age = await lockAge(lock);
    if (age !== undefined && age > staleMs) {
      await unlink(lock).catch(() => undefined);
      continue;
    }
    if (performance.now() - started > timeoutMs) {
      throw new BridgeError(
        ErrorCode.RTDB_FILE,
        `${file} stayed locked by another writer (${lock}) for ${timeoutMs} ms`,
        { path: file },
      );
    }
    await new Promise((r) => setTimeout(r, 2 + Math.random() * 8));
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/** Milliseconds since the lock file was last modified, or undefined when it just went away. */
async function lockAge(lock: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(lock)).mtimeMs;
  } catch {
    return undefined;
  }
}
