import type { Logger } from 'pino';
import { BOOT_STATUS, validateStatus } from './home/status-codec.js';
import type { StatusString } from './home/types.js';
import type { RtdbFile } from './rtdb-file.js';
import { readStateFile } from './state-file.js';

/**
 * The same home after a restart. The ESP32 read `/smarthome/status` back from Firebase at boot and
 * re-applied it (docs/car2home-bus.md §4); the bridge looks, in this order, at
 *   1. `--rtdb-file`: its `/smarthome/status`,
 *   2. `--state-file`: the last status the bridge itself saved,
 *   3. `--initial-status`,
 * and boots from defaults (`000000000`) when none of them holds a valid status (`from: 'default'`: the
 * runtime then leaves a device with what it holds). A source that is
 * missing is skipped quietly; one that is unreadable or corrupt is a logged warning, never a crash.
 */
export type RestoreSource = 'rtdb-file' | 'state-file' | 'initial-status' | 'default';

export interface RestoreSources {
  rtdb?: RtdbFile | undefined;
  stateFile?: string | undefined;
  initialStatus?: string | undefined;
}

export interface BootStatus {
  status: StatusString;
  from: RestoreSource;
  /** What the state file holds (so an equal status is not written again). */
  stateFileStatus?: StatusString | undefined;
}

export async function chooseBootStatus(sources: RestoreSources, logger: Logger): Promise<BootStatus> {
  let stateFileStatus: StatusString | undefined;
  if (sources.stateFile !== undefined) {
    const stored = await readStateFile(sources.stateFile);
    if (stored.status !== undefined) stateFileStatus = stored.status;
    else if (stored.problem !== undefined)
      logger.warn(
        { file: sources.stateFile, problem: stored.problem },
        'the state file cannot be used; booting without it',
      );
  }
  const fromRtdb = await sources.rtdb?.storedStatus();
  if (fromRtdb !== undefined) return { status: fromRtdb, from: 'rtdb-file', stateFileStatus };
  if (stateFileStatus !== undefined) return { status: stateFileStatus, from: 'state-file', stateFileStatus };
  if (sources.initialStatus !== undefined)
    return { status: validateStatus(sources.initialStatus), from: 'initial-status', stateFileStatus };
  return { status: BOOT_STATUS, from: 'default', stateFileStatus };
}

/**
 * The commands that bring a device from `current` to exactly `target` under the merge rules
 * (docs/home-behaviour.md §1.2). One command when the target is reachable directly; two when an
 * appliance is off in the target but keeps values the device does not hold (say `009060210`: air-con
 * off at power 9): a command with an off digit ignores the values after it, so the first command
 * switches that appliance on with the values and the second one switches it off again, keeping them.
 * Nothing when the device already holds the target.
 */
export function restoreCommands(current: StatusString, target: StatusString): StatusString[] {
  if (current === target) return [];
  const airconValues = target[1] === '0' && target[2] !== current[2];
  const lightValues = target[3] === '0' && target.slice(4, 7) !== current.slice(4, 7);
  if (!airconValues && !lightValues) return [target];
  const first = target.split('');
  if (airconValues) first[1] = '1';
  if (lightValues) first[3] = '1';
  return [first.join(''), target];
}
