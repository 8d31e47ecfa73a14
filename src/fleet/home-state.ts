import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BridgeError, ErrorCode } from '../core/errors.js';

/**
 * `fleet --state-dir DIR`: one small file per home, `DIR/<home id>.json`, in the `--state-file` format
 * (src/state-file.ts). One file per home rather than one journal: a home writes only its own file, so
 * homes in different worker threads never share a writer, and a corrupt file costs one home its status.
 */
export function homeStatePath(dir: string, homeId: string): string {
  return path.join(dir, `${homeId}.json`);
}

/** Creates the directory (and its parents) or says why it cannot. */
export function prepareStateDir(dir: string): string {
  const abs = path.resolve(dir);
  try {
    mkdirSync(abs, { recursive: true });
  } catch (e) {
    throw new BridgeError(ErrorCode.CONFIG_INVALID, `--state-dir ${abs}: ${(e as Error).message}`);
  }
  return abs;
}
