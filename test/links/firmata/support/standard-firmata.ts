import { readFile } from 'node:fs/promises';
import { parseIntelHex } from '../../../../src/board/intel-hex.js';
import { fetchStandardFirmata } from '../../../../scripts/firmata/fetch-standardfirmata.js';

/** Time a first fetch may take (npm pack of a 2.5 MB tarball on a loaded machine). */
export const FETCH_TIMEOUT_MS = 180_000;

let cached: Promise<{ path: string; program: Uint16Array }> | undefined;

/**
 * StandardFirmata 2.4 for the Uno, fetched once into `.cache/firmata/` by the project's fetch script
 * (call from `beforeAll` with FETCH_TIMEOUT_MS). Without the registry the suite fails with the script's
 * message: the Firmata link is never left untested silently.
 */
export function standardFirmata(): Promise<{ path: string; program: Uint16Array }> {
  cached ??= (async () => {
    const path = await fetchStandardFirmata();
    return { path, program: parseIntelHex(await readFile(path, 'utf8')) };
  })();
  return cached;
}
