import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BridgeError, ErrorCode, isBridgeError } from '../core/errors.js';
import { parseIntelHex } from './intel-hex.js';

/** The committed build of our sketch (firmware/build/smarthome.hex in a checkout or the package). */
export const DEFAULT_FIRMWARE_HEX = fileURLToPath(new URL('../../firmware/build/smarthome.hex', import.meta.url));

/** Reads and parses an Intel HEX file; a missing or corrupt file is one BridgeError naming it. */
export async function loadFirmware(path: string = DEFAULT_FIRMWARE_HEX): Promise<Uint16Array> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const hint = path === DEFAULT_FIRMWARE_HEX ? ' (build it with: smarthome-bridge firmware build)' : '';
    throw new BridgeError(ErrorCode.HEX_INVALID, `cannot read firmware ${file}: ${(e as Error).message}${hint}`, {
      path: file,
    });
  }
  try {
    return parseIntelHex(text);
  } catch (e) {
    const why = isBridgeError(e) ? e.message : (e as Error).message;
    throw new BridgeError(ErrorCode.HEX_INVALID, `firmware ${file} is not a valid Intel HEX file: ${why}`, {
      path: file,
    });
  }
}
