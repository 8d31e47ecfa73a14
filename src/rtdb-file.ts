import { open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { BridgeError, ErrorCode } from './core/errors.js';
import { withFileLock } from './file-lock.js';
import { validateStatus } from './home/status-codec.js';
import type { SensorReading, StatusString } from './home/types.js';

/**
 * `--rtdb-file PATH`: the home as the original backend sees it. The ESP32 wrote its state to Firebase
 * RTDB; the backend reads a dump of that tree, `realtimedb.json` (docs/car2home-bus.md §2). This file
 * has the same shape, so the backend can run against a virtual home without Firebase:
 *
 *   {"smarthome": {"status": "016155010"},
 *    "sensor": {"hometemp": {"temp": 26.4, "humi": 55, "rain": "0"}, "openweather": {…}},
 *    "server": {"notification": "none"}}
 *
 * - `rain` is the string "0"/"1", as the firmware wrote it (the backend's int() takes both).
 * - The backend's loop reads `sensor.hometemp.rain`, `sensor.openweather.icon` and `.air_level` outside
 *   any try block: a missing key kills it. Until a real value exists, harmless placeholders stand in
 *   (rain "0"; clear sky, air level 1: no weather-driven notification).
 * - Keys written by others (openweather from a weather shim, the backend's notification) are kept: the
 *   file is read again before every write, under an advisory lock (`<file>.lock`, src/file-lock.ts),
 *   and only the home's own keys are replaced; when they already hold our values nothing is written.
 * - At boot, `/smarthome/status` is the first place the home's last status is restored from, as the
 *   ESP32 read it back from Firebase (`storedStatus`).
 * - Every write is atomic (temporary file, fsync, rename): a reader never sees half a file. Written on
 *   every change of status or sensor value, one write at a time (changes meanwhile are folded into the
 *   next one). ASCII only (\u escapes), so it reads the same as UTF-8 and as the CP949 the backend's
 *   own dumper used; an existing CP949 file is read as such.
 */
export const OPENWEATHER_PLACEHOLDER = { air_level: 1, description: '', icon: '01d', temp: '', update: '' } as const;

type Json = Record<string, unknown>;

interface HomeKeys {
  status?: StatusString;
  temp?: number;
  humi?: number;
  rain?: '0' | '1';
}

export class RtdbFile {
  readonly path: string;
  readonly #log: Logger;
  #home: HomeKeys = {};
  #writing: Promise<void> | undefined;
  #again = false;
  readonly counters = { writes: 0, failures: 0 };

  private constructor(file: string, logger: Logger) {
    this.path = path.resolve(file);
    this.#log = logger;
  }

  /**
   * Checks that an existing file is a JSON object (it is never overwritten otherwise) and that its directory is
   * writable.
   */
  static async open(file: string, logger: Logger): Promise<RtdbFile> {
    const f = new RtdbFile(file, logger);
    const existing = await f.#read();
    if (existing === 'invalid') {
      throw new BridgeError(
        ErrorCode.RTDB_FILE,
        `--rtdb-file ${f.path} exists and is not a JSON object; refusing to overwrite it`,
        { path: f.path },
      );
    }
    // Written first when the home's status is known (a file without smarthome.status would stop the
    // backend); here only the directory is tried.
    const probe = f.#tempPath();
    try {
      await (await open(probe, 'w', 0o644)).close();
      await unlink(probe);
    } catch (e) {
      throw new BridgeError(ErrorCode.RTDB_FILE, `cannot write --rtdb-file ${f.path}: ${(e as Error).message}`, {
        path: f.path,
      });
    }
    return f;
  }

  /** `/smarthome/status` as the file holds it now, when it is a valid status. */
  async storedStatus(): Promise<StatusString | undefined> {
    const tree = await this.#read().catch(() => undefined);
    if (tree === undefined || tree === 'invalid') return undefined;
    const smarthome = tree['smarthome'];
    try {
      return validateStatus(isObject(smarthome) ? smarthome['status'] : undefined);
    } catch {
      return undefined;
    }
  }

  status(status: StatusString): void {
    this.#set({ status });
  }

  sensor(r: SensorReading): void {
    if (r.sensor === 'climate') this.#set({ temp: r.temperature, humi: r.humidity });
    else this.#set({ rain: r.raining ? '1' : '0' });
  }

  /** Resolves when every change so far is on disk. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  #set(change: HomeKeys): void {
    const next = { ...this.#home, ...change };
    if ((Object.keys(change) as (keyof HomeKeys)[]).every((k) => this.#home[k] === next[k])) return;
    this.#home = next;
    // Nothing is written before the home's status is known (restored at start): a file without
    // smarthome.status stops the backend, and readings alone must not race the restore.
    if (this.#home.status === undefined) return;
    if (this.#writing) {
      this.#again = true;
      return;
    }
    this.#writing = this.#writeLoop().finally(() => (this.#writing = undefined));
  }

  async #writeLoop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await withFileLock(this.path, async () => {
          const existing = await this.#read();
          const base = existing === 'invalid' || existing === undefined ? {} : existing;
          const root = this.#merge(base);
          // Our part already there (a restart with the same status, a reading equal to the stored one).
          if (existing !== undefined && existing !== 'invalid' && JSON.stringify(root) === JSON.stringify(existing))
            return;
          await this.#write(root);
        });
      } catch (e) {
        this.counters.failures++;
        this.#log.error(
          { file: this.path, err: (e as Error).message },
          'cannot write --rtdb-file; the next change tries again',
        );
      }
    } while (this.#again);
  }

  /** The file's current content: an object, undefined when absent, 'invalid' when not a JSON object. */
  async #read(): Promise<Json | undefined | 'invalid'> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new BridgeError(ErrorCode.RTDB_FILE, `cannot read --rtdb-file ${this.path}: ${(e as Error).message}`, {
        path: this.path,
      });
    }
    try {
      const v: unknown = JSON.parse(decode(bytes));
      return isObject(v) ? v : 'invalid';
    } catch {
      return 'invalid';
    }
  }

  async #write(root: Json): Promise<void> {
    const text = asciiJson(root);
    const tmp = this.#tempPath();
    const fh = await open(tmp, 'w', 0o644);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await syncDir(path.dirname(this.path));
    this.counters.writes++;
  }

  /** Beside the file: rename within one directory (one file system) is atomic. */
  #tempPath(): string {
    return path.join(path.dirname(this.path), `.${path.basename(this.path)}.${process.pid}.tmp`);
  }

  #merge(existing: Json): Json {
    const h = this.#home;
    const smarthome = obj(existing['smarthome']);
    if (h.status !== undefined) smarthome['status'] = h.status;
    const sensor = obj(existing['sensor']);
    const hometemp = obj(sensor['hometemp']);
    if (h.temp !== undefined) hometemp['temp'] = h.temp;
    if (h.humi !== undefined) hometemp['humi'] = h.humi;
    if (h.rain !== undefined) hometemp['rain'] = h.rain;
    else if (!('rain' in hometemp)) hometemp['rain'] = '0';
    const openweather = isObject(sensor['openweather']) ? sensor['openweather'] : { ...OPENWEATHER_PLACEHOLDER };
    const server = obj(existing['server']);
    if (!('notification' in server)) server['notification'] = 'none';
    return { ...existing, smarthome, sensor: { ...sensor, hometemp, openweather }, server };
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObject(v) ? { ...v } : {});

/** UTF-8 if it is valid UTF-8, else CP949 (the backend's dumper); a BOM is dropped. */
function decode(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('euc-kr').decode(bytes);
  }
  return text.replace(/^\uFEFF/, '');
}

/** JSON with 4-space indent (as the backend's dump) and every non-ASCII character escaped. */
function asciiJson(v: unknown): string {
  const json = JSON.stringify(v, null, 4);
  return `${json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** The rename is durable only once the directory is synced (not possible everywhere: best effort). */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* some file systems refuse to fsync a directory */
  }
}
