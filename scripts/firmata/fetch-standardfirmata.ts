/**
 * Fetches the prebuilt StandardFirmata 2.4 for the Arduino Uno without installing anything: the hex
 * ships inside the npm package avrgirl-arduino 5.0.1 (which cannot be a dependency: one of its own
 * dependencies is a git URL), so only its tarball is taken from the registry (`npm pack`), and only the
 * one hex file is extracted into the ignored cache folder `.cache/firmata/`, checked against a SHA-256
 * recorded here. The hex is LGPL-2.1 third-party code and is never committed.
 *
 *   npx tsx scripts/firmata/fetch-standardfirmata.ts     prints the hex's absolute path
 *
 * Idempotent: a cached hex with the right checksum is used without touching the network. Concurrent
 * callers (parallel test workers) each work in their own temporary folder and rename into place.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const AVRGIRL_PACKAGE = 'avrgirl-arduino@5.0.1';
export const HEX_IN_PACKAGE = 'package/junk/hex/uno/StandardFirmata.cpp.hex';
/** SHA-256 of StandardFirmata.cpp.hex (34 320 bytes) as avrgirl-arduino 5.0.1 ships it. */
export const STANDARD_FIRMATA_SHA256 = '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_CACHE_DIR = join(ROOT, '.cache', 'firmata');
const HEX_NAME = 'StandardFirmata.cpp.hex';

export interface FetchOptions {
  /** Where the tarball and the hex are kept (default `.cache/firmata/` in the repository). */
  cacheDir?: string;
  /** The npm executable (default `npm` on PATH). */
  npm?: string;
}

/** Returns the absolute path of a verified StandardFirmata hex, fetching it first if needed. */
export async function fetchStandardFirmata(options: FetchOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const hexPath = join(cacheDir, HEX_NAME);
  if (await hasExpectedHash(hexPath)) return hexPath;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, 'fetch-'));
  try {
    const tarball = (await cachedTarball(cacheDir)) ?? (await packTarball(work, cacheDir, options.npm ?? 'npm'));
    await extractHex(tarball, work);
    const extracted = join(work, HEX_IN_PACKAGE);
    const actual = await sha256(extracted);
    if (actual !== STANDARD_FIRMATA_SHA256) {
      await rm(tarball, { force: true });
      throw new Error(
        `StandardFirmata from ${AVRGIRL_PACKAGE} has SHA-256 ${actual}, expected ${STANDARD_FIRMATA_SHA256}; ` +
          'the cached tarball was removed, run again to fetch it anew',
      );
    }
    await rename(extracted, hexPath);
    return hexPath;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function hasExpectedHash(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  return (await sha256(path)) === STANDARD_FIRMATA_SHA256;
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

async function cachedTarball(cacheDir: string): Promise<string | undefined> {
  const name = (await readdir(cacheDir)).find((f) => /^avrgirl-arduino-5\.0\.1\.tgz$/.test(f));
  return name ? join(cacheDir, name) : undefined;
}

async function packTarball(work: string, cacheDir: string, npm: string): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(npm, ['pack', AVRGIRL_PACKAGE, '--pack-destination', work, '--silent'], {
      cwd: work,
      timeout: 120_000,
    }));
  } catch (e) {
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new Error(
      `cannot fetch StandardFirmata: \`npm pack ${AVRGIRL_PACKAGE}\` failed ` +
        `(${detail.split('\n').slice(-3).join(' ')}). ` +
        `The Firmata tests need the npm registry once; afterwards ${cacheDir} holds the hex.`,
    );
  }
  const name = stdout.trim().split('\n').pop()!.trim();
  const target = join(cacheDir, name);
  await rename(join(work, name), target);
  return target;
}

async function extractHex(tarball: string, work: string): Promise<void> {
  try {
    await run('tar', ['-xzf', tarball, '-C', work, HEX_IN_PACKAGE], { timeout: 60_000 });
  } catch (e) {
    await rm(tarball, { force: true });
    const detail = (e as { stderr?: string }).stderr?.trim() || (e as Error).message;
    throw new Error(
      `cannot extract ${HEX_IN_PACKAGE} from ${tarball} (${detail}); the tarball was removed, run again to ` +
        'fetch it anew',
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  fetchStandardFirmata().then(
    (path) => console.log(path),
    (e: unknown) => {
      console.error(`fetch-standardfirmata: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
